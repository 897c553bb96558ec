using System.Diagnostics;
using System.Net;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>A real <c>farmem-server</c> process started from the test's folder; killed on dispose.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Starts the server and waits (bounded) for its "listening" line; throws with its output if it exits first.</summary>
    public static async Task<ServerProcess> StartAsync(params string[] args)
    {
        Process process = Start(args);
        var output = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                output.Add(line);
                if (line.StartsWith("listening ", StringComparison.Ordinal))
                {
                    _ = process.StandardOutput.ReadToEndAsync();
                    _ = process.StandardError.ReadToEndAsync();
                    return new ServerProcess(process, IPEndPoint.Parse(line["listening ".Length..]));
                }
            }
        }
        catch (OperationCanceledException)
        {
            output.Add("(no listening line within 60 s)");
        }

        Kill(process);
        throw new InvalidOperationException($"farmem-server did not start:{Environment.NewLine}{string.Join(Environment.NewLine, output)}");
    }

    /// <summary>Runs the server to its exit (bounded) and returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(params string[] args)
    {
        using Process process = Start(args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        Kill(_process);
        _process.Dispose();
    }

    private static Process Start(string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "farmem-server.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Cannot start farmem-server.");
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }
}
