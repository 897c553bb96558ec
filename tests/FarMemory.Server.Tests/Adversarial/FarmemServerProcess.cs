using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace FarMemory.Server.Tests.Adversarial;

/// <summary>
/// A real <c>farmem-server</c> process, started from the test's output folder with <c>--port 0</c>
/// and killed (with its whole tree) on dispose, so a failed test leaves no server behind.
/// </summary>
internal sealed class FarmemServerProcess : IAsyncDisposable
{
    private const int KeptLines = 200;

    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private FarmemServerProcess(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the server printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>Starts the server with <paramref name="args"/> and waits (bounded) for its "listening" line.</summary>
    public static async Task<FarmemServerProcess> StartAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "farmem-server.dll"));
        foreach (string arg in (string[])["--port", "0", "--log-level", "Warning", .. args])
        {
            info.ArgumentList.Add(arg);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("Cannot start farmem-server.");
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                seen.Add(line);
                if (line.StartsWith("listening ", StringComparison.Ordinal))
                {
                    var server = new FarmemServerProcess(process, IPEndPoint.Parse(line["listening ".Length..]));
                    _ = server.DrainAsync(process.StandardOutput);
                    _ = server.DrainAsync(process.StandardError);
                    return server;
                }
            }
        }
        catch (OperationCanceledException)
        {
            seen.Add("(no listening line within 60 s)");
        }

        Kill(process);
        process.Dispose();
        throw new InvalidOperationException($"farmem-server did not start:{Environment.NewLine}{string.Join(Environment.NewLine, seen)}");
    }

    /// <summary>Waits (bounded) until the server has printed a line containing <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < wait, $"the server did not log \"{text}\" within {wait.TotalSeconds:0} s:{Environment.NewLine}{Output}");
            AssertAlive();
            await Task.Delay(50);
        }
    }

    /// <summary>Resident memory of the server process (VmRSS in /proc/&lt;pid&gt;/status).</summary>
    public long RssBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS line");
    }

    /// <summary>Fails the test (with the server's last output) if the process is gone.</summary>
    public void AssertAlive()
    {
        Assert.False(_process.HasExited, $"farmem-server exited:{Environment.NewLine}{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed; the reaper will collect it.
        }

        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    /// <summary>Keeps reading the server's output so a full pipe never blocks its logging.</summary>
    private async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_output)
                {
                    _output.Enqueue(line);
                    if (_output.Count > KeptLines)
                    {
                        _output.Dequeue();
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process ended.
        }
    }
}
