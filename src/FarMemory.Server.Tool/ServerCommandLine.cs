using System.Net;
using Microsoft.Extensions.Logging;

namespace FarMemory.Server.Tool;

/// <summary>Parses the farmem-server command line into server options.</summary>
internal sealed class ServerCommandLine
{
    public const string Usage = """
        farmem-server: a FarMemory far-memory server.

        Options:
          --port N                  TCP port (default 7400; 0 picks a free one)
          --bind ADDRESS            address to listen on (default 127.0.0.1; any other needs --auth-token)
          --auth-token TOKEN        secret clients must present (or env FARMEM_AUTH_TOKEN)
          --max-memory SIZE         cap on stored bytes, all clients, metadata included (default 1g; suffixes k, m, g)
          --client-quota SIZE       cap on stored bytes per client session (default: --max-memory)
          --max-frame SIZE          largest frame accepted and largest reply sent (default 16m)
          --max-hello SIZE          largest frame accepted before a Hello is accepted (default 4k)
          --max-buffers SIZE        bytes of large frames all connections may buffer at once (default 256m)
          --max-batch N             items one batch may carry (default 65536)
          --max-connections N       connections served at once (default 1024)
          --max-connections-per-session N
                                    connections one session may have (default 64)
          --max-sessions N          sessions kept at once, retained ones included (default 1024)
          --max-objects N           objects one session may store (default 16777216)
          --max-structures N        structures one session may have (default 65536)
          --handshake-timeout SEC   close a connection without a Hello by then (default 10)
          --idle-timeout SEC        close a connection that sent no frame for that long (default 300; 0: never)
          --frame-timeout SEC       close a connection whose frame is not complete by then (default 30)
          --write-timeout SEC       close a client that does not read its replies for that long (default 30)
          --retention SECONDS       how long a session outlives its last connection (default 30)
          --operations PATH         load remote-agent operations from an assembly (repeatable)
          --call-deadline MS        a call's deadline when the client asks for none (default 100)
          --max-call-deadline MS    the longest deadline a client may ask for (default 10000)
          --max-call-result SIZE    largest result one call may return (default 4m)
          --max-call-write SIZE     bytes one call may stage for writing (default 256m)
          --call-workers N          threads running calls (default: processors - 1, at least 1)
          --log-level LEVEL         Trace, Debug, Information, Warning, Error (default Information)
          --version                 print the version
          --help                    show this text

        Memory: resident memory stays within --max-memory + --max-buffers + about 200 KiB per
        connection + about 60 MB for the runtime. Every object is charged 128 bytes besides its
        length, every structure 1 KiB.
        """;

    private static readonly string[] ValueOptions =
    [
        "--port", "--bind", "--auth-token", "--max-memory", "--client-quota", "--max-frame", "--max-hello",
        "--max-buffers", "--max-batch", "--max-connections", "--max-connections-per-session", "--max-sessions",
        "--max-objects", "--max-structures", "--handshake-timeout", "--idle-timeout", "--frame-timeout",
        "--write-timeout", "--retention", "--log-level", "--operations", "--call-deadline", "--max-call-deadline",
        "--max-call-result", "--max-call-write", "--call-workers",
    ];

    public FarMemoryServerOptions Options { get; } = new() { Port = 7400 };

    public LogLevel LogLevel { get; private set; } = LogLevel.Information;

    public bool ShowHelp { get; private set; }

    public bool ShowVersion { get; private set; }

    /// <summary>The tool's version (the assembly's informational version, without the build metadata).</summary>
    public static string Version
    {
        get
        {
            string? version = typeof(ServerCommandLine).Assembly
                .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
            return version?.Split('+')[0] ?? "unknown";
        }
    }

    public static ServerCommandLine Parse(string[] args)
    {
        var result = new ServerCommandLine();
        FarMemoryServerOptions o = result.Options;
        o.AuthToken = Environment.GetEnvironmentVariable("FARMEM_AUTH_TOKEN");
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h")
            {
                result.ShowHelp = true;
                continue;
            }

            if (name == "--version")
            {
                result.ShowVersion = true;
                continue;
            }

            if (Array.IndexOf(ValueOptions, name) < 0)
            {
                throw new ArgumentException($"unknown option {name}");
            }

            if (i + 1 >= args.Length || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && name != "--auth-token"))
            {
                throw new ArgumentException($"{name} needs a value");
            }

            string value = args[++i];
            try
            {
                Apply(result, name, value);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new ArgumentException($"{name} '{value}': {Expected(name)}", e);
            }
        }

        return result;
    }

    private static void Apply(ServerCommandLine result, string name, string value)
    {
        FarMemoryServerOptions o = result.Options;
        switch (name)
        {
            case "--port":
                o.Port = Int(value);
                ArgumentOutOfRangeException.ThrowIfGreaterThan(o.Port, IPEndPoint.MaxPort);
                ArgumentOutOfRangeException.ThrowIfNegative(o.Port);
                break;
            case "--bind":
                o.BindAddress = IPAddress.Parse(value);
                break;
            case "--auth-token":
                o.AuthToken = value;
                break;
            case "--max-memory":
                o.MaxMemoryBytes = ParseSize(value);
                break;
            case "--client-quota":
                o.PerClientQuotaBytes = ParseSize(value);
                break;
            case "--max-frame":
                o.MaxFrameLength = checked((int)ParseSize(value));
                break;
            case "--max-hello":
                o.MaxHelloLength = checked((int)ParseSize(value));
                break;
            case "--max-buffers":
                o.MaxBufferBytes = ParseSize(value);
                break;
            case "--max-batch":
                o.MaxBatchItems = Int(value);
                break;
            case "--max-connections":
                o.MaxConnections = Int(value);
                break;
            case "--max-connections-per-session":
                o.MaxConnectionsPerSession = Int(value);
                break;
            case "--max-sessions":
                o.MaxSessions = Int(value);
                break;
            case "--max-objects":
                o.MaxObjectsPerSession = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case "--max-structures":
                o.MaxStructuresPerSession = Int(value);
                break;
            case "--handshake-timeout":
                o.HandshakeTimeout = Seconds(value);
                break;
            case "--idle-timeout":
                o.IdleTimeout = Seconds(value);
                break;
            case "--frame-timeout":
                o.FrameTimeout = Seconds(value);
                break;
            case "--write-timeout":
                o.WriteTimeout = Seconds(value);
                break;
            case "--retention":
                o.SessionRetention = Seconds(value);
                break;
            case "--operations":
                result.Options.OperationAssemblies.Add(value);
                break;
            case "--call-deadline":
                result.Options.CallDeadline = TimeSpan.FromMilliseconds(Int(value));
                break;
            case "--max-call-deadline":
                result.Options.MaxCallDeadline = TimeSpan.FromMilliseconds(Int(value));
                break;
            case "--max-call-result":
                result.Options.MaxCallResultBytes = checked((int)ParseSize(value));
                break;
            case "--max-call-write":
                result.Options.MaxCallWriteBytes = ParseSize(value);
                break;
            case "--call-workers":
                result.Options.MaxConcurrentCalls = Int(value);
                break;
            case "--log-level":
                result.LogLevel = Enum.Parse<LogLevel>(value, ignoreCase: true);
                break;
        }
    }

    /// <summary>What a value of <paramref name="name"/> must look like, for the error that names a bad one.</summary>
    private static string Expected(string name) => name switch
    {
        "--port" => "not a TCP port (0 to 65535; 0 picks a free one)",
        "--bind" => "not an IP address (e.g. 127.0.0.1 or 0.0.0.0)",
        "--log-level" => "not a log level (Trace, Debug, Information, Warning or Error)",
        "--max-memory" or "--client-quota" or "--max-frame" or "--max-hello" or "--max-buffers" or "--max-call-result" or "--max-call-write"
            => "not a size (a whole number of bytes with an optional k, m or g suffix, e.g. 512m)",
        "--handshake-timeout" or "--idle-timeout" or "--frame-timeout" or "--write-timeout" or "--retention" => "not a number of seconds",
        "--call-deadline" or "--max-call-deadline" => "not a whole number of milliseconds",
        _ => "not a whole number in range",
    };

    private static int Int(string value) => int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

    private static TimeSpan Seconds(string value) =>
        TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Parses "64m", "1g", "4096" into bytes.</summary>
    public static long ParseSize(string text)
    {
        text = text.Trim().ToLowerInvariant();
        if (text.Length == 0)
        {
            throw new FormatException("a size needs digits, e.g. 64m.");
        }

        long multiplier = text[^1] switch
        {
            'k' => 1L << 10,
            'm' => 1L << 20,
            'g' => 1L << 30,
            _ => 1,
        };
        string digits = multiplier == 1 ? text : text[..^1];
        return checked(long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) * multiplier);
    }
}
