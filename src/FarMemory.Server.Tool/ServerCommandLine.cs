using System.Net;
using Microsoft.Extensions.Logging;

namespace FarMemory.Server.Tool;

/// <summary>Parses the farmem-server command line into server options.</summary>
internal sealed class ServerCommandLine
{
    public const string Usage = """
        farmem-server: a FarMemory far-memory server.

        Options:
          --port N             TCP port (default 7400; 0 picks a free one)
          --bind ADDRESS       address to listen on (default 127.0.0.1; any other needs --auth-token)
          --auth-token TOKEN   secret clients must present (or env FARMEM_AUTH_TOKEN)
          --max-memory SIZE    cap on stored bytes, all clients (default 1g; suffixes k, m, g)
          --client-quota SIZE  cap on stored bytes per client session (default: --max-memory)
          --max-frame SIZE     largest frame accepted (default 16m)
          --retention SECONDS  how long a session outlives its last connection (default 30)
          --log-level LEVEL    Trace, Debug, Information, Warning, Error (default Information)
          --help               show this text
        """;

    public FarMemoryServerOptions Options { get; } = new() { Port = 7400 };

    public LogLevel LogLevel { get; private set; } = LogLevel.Information;

    public bool ShowHelp { get; private set; }

    public static ServerCommandLine Parse(string[] args)
    {
        var result = new ServerCommandLine();
        result.Options.AuthToken = Environment.GetEnvironmentVariable("FARMEM_AUTH_TOKEN");
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h")
            {
                result.ShowHelp = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            string value = args[++i];
            switch (name)
            {
                case "--port":
                    result.Options.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--bind":
                    result.Options.BindAddress = IPAddress.Parse(value);
                    break;
                case "--auth-token":
                    result.Options.AuthToken = value;
                    break;
                case "--max-memory":
                    result.Options.MaxMemoryBytes = ParseSize(value);
                    break;
                case "--client-quota":
                    result.Options.PerClientQuotaBytes = ParseSize(value);
                    break;
                case "--max-frame":
                    result.Options.MaxFrameLength = checked((int)ParseSize(value));
                    break;
                case "--retention":
                    result.Options.SessionRetention = TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case "--log-level":
                    result.LogLevel = Enum.Parse<LogLevel>(value, ignoreCase: true);
                    break;
                default:
                    throw new ArgumentException($"Unknown option {name}.");
            }
        }

        return result;
    }

    /// <summary>Parses "64m", "1g", "4096" into bytes.</summary>
    public static long ParseSize(string text)
    {
        text = text.Trim().ToLowerInvariant();
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
