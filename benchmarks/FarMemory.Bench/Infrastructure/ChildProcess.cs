using System.Diagnostics;
using System.Net;

namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// A helper process on this machine (the far-memory server, or the raw echo server) that announces
/// its endpoint with a "listening ADDRESS:PORT" line and is killed when disposed.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Starts <c>dotnet DLL args</c> from this program's folder and waits for its endpoint.</summary>
    public static ChildProcess StartDll(string dll, params string[] args)
    {
        Process process = Process.Start(Info(dll, args)) ?? throw new InvalidOperationException($"Cannot start {dll}.");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            string? line = process.StandardOutput.ReadLine();
            if (line == null)
            {
                break;
            }

            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync();
                return new ChildProcess(process, IPEndPoint.Parse(line["listening ".Length..]));
            }
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"{dll} did not announce its endpoint.");
    }

    /// <summary>
    /// Runs <c>dotnet DLL args</c> from this program's folder to its end and returns its exit code
    /// and output; killed (exit -1) past <paramref name="timeout"/>.
    /// </summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunDllAsync(string dll, TimeSpan timeout, params string[] args)
    {
        using Process process = Process.Start(Info(dll, args)) ?? throw new InvalidOperationException($"Cannot start {dll}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, await stdout, $"killed after {timeout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static ProcessStartInfo Info(string dll, string[] args)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!Path.GetFileNameWithoutExtension(info.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.FileName = "dotnet";
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}
