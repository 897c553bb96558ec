using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// A throwaway redis-server on a free loopback port, for the peers that keep their data in redis:
/// no persistence (the run loads everything itself), killed by process id when disposed. Redis is
/// an operating-system package, not a NuGet one, so a machine without it skips those systems and
/// says why instead of failing the whole run.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    public const string InstallHint = "install it with `apt-get install -y redis-server`";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;

    private RedisServer(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The full path of <c>redis-server</c> on PATH, or null.</summary>
    public static string? FindExecutable()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Starts redis for <paramref name="systems"/>, or records in <paramref name="skipped"/> (system →
    /// reason) why they cannot run and returns null.
    /// </summary>
    public static RedisServer? StartOrSkip(JsonObject skipped, params string[] systems)
    {
        string? reason;
        string? executable = FindExecutable();
        if (executable == null)
        {
            reason = $"redis-server is not on PATH; {InstallHint}";
        }
        else
        {
            try
            {
                return Start(executable);
            }
            catch (InvalidOperationException e)
            {
                reason = e.Message;
            }
        }

        Console.Error.WriteLine($"skipping {string.Join(", ", systems)}: {reason}");
        foreach (string system in systems)
        {
            skipped[system] = reason;
        }

        return null;
    }

    /// <summary>Starts <paramref name="executable"/> and returns once it accepts connections.</summary>
    public static RedisServer Start(string executable)
    {
        // The free port is found by binding port 0 and letting it go, so another process may take it
        // before redis binds it: then redis exits and the next attempt gets another port.
        string lastError = "";
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int port = FreeLoopbackPort();
            var info = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[] { "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--daemonize", "no" })
            {
                info.ArgumentList.Add(arg);
            }

            Process process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {executable}.");
            var log = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => Append(log, e.Data);
            process.ErrorDataReceived += (_, e) => Append(log, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var endPoint = new IPEndPoint(IPAddress.Loopback, port);
            if (WaitUntilAccepting(process, endPoint))
            {
                return new RedisServer(process, endPoint);
            }

            Kill(process);
            lock (log)
            {
                lastError = log.ToString().Trim();
            }
        }

        throw new InvalidOperationException($"redis-server did not start accepting connections: {lastError}");
    }

    /// <summary>One multiplexed connection, as StackExchange.Redis recommends (admin for FLUSHDB and INFO).</summary>
    public ConnectionMultiplexer Connect() =>
        ConnectionMultiplexer.Connect(new ConfigurationOptions
        {
            EndPoints = { EndPoint },
            AllowAdmin = true,

            // Two cores may carry the workers, the client's I/O and redis itself: a loaded machine
            // is slow, not broken.
            SyncTimeout = 60_000,
            AsyncTimeout = 60_000,
        });

    /// <summary>Empties the database, so a system loads into (and gives back) a clean server.</summary>
    public void Flush(ConnectionMultiplexer connection) => connection.GetServer(EndPoint).FlushDatabase();

    /// <summary>redis-server's <c>used_memory</c> (INFO memory), or null if it is not reported.</summary>
    public long? UsedMemory(ConnectionMultiplexer connection)
    {
        foreach (IGrouping<string, KeyValuePair<string, string>> section in connection.GetServer(EndPoint).Info("memory"))
        {
            foreach (KeyValuePair<string, string> pair in section)
            {
                if (pair.Key == "used_memory" && long.TryParse(pair.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long bytes))
                {
                    return bytes;
                }
            }
        }

        return null;
    }

    public void Dispose() => Kill(_process);

    private static void Append(System.Text.StringBuilder log, string? line)
    {
        if (line == null)
        {
            return;
        }

        lock (log)
        {
            if (log.Length < 4096)
            {
                log.AppendLine(line);
            }
        }
    }

    /// <summary>Polls a connect until it succeeds, the process exits, or the deadline passes.</summary>
    private static bool WaitUntilAccepting(Process process, IPEndPoint endPoint)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_startTimeout)
        {
            using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                try
                {
                    socket.Connect(endPoint);
                    return true;
                }
                catch (SocketException)
                {
                }
            }

            // The pause between attempts doubles as the check for an early exit (a port clash).
            if (process.WaitForExit(20))
            {
                return false;
            }
        }

        return false;
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        finally
        {
            process.Dispose();
        }
    }
}
