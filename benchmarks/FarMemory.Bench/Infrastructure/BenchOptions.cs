using System.Globalization;

namespace FarMemory.Bench.Infrastructure;

/// <summary>The harness's command line (the contract of ARCHITECTURE.md section 7).</summary>
internal sealed class BenchOptions
{
    public string Workload { get; private set; } = "";

    public List<double> LocalRatios { get; } = new();

    public long? SizeBytes { get; private set; }

    public string? JsonPath { get; private set; }

    public string? PlotPath { get; private set; }

    public bool Quick { get; private set; }

    public string? Server { get; private set; }

    /// <summary>For <c>eviction</c>: a trace file to replay instead of the web trace.</summary>
    public string? TracePath { get; private set; }

    /// <summary>For <c>eviction --trace</c>: frames (objects) of local capacity.</summary>
    public int? Frames { get; private set; }

    /// <summary>For <c>web</c> and <c>kv</c>: worker threads issuing requests (the same for every system).</summary>
    public int? Workers { get; private set; }

    /// <summary>For <c>web</c> and <c>kv</c>: measured requests (operations) per system.</summary>
    public int? Requests { get; private set; }

    /// <summary>For <c>web</c> and <c>kv</c>: zipf skew of key choice.</summary>
    public double? Skew { get; private set; }

    /// <summary>For <c>web</c>: bytes of one value.</summary>
    public int? ValueSize { get; private set; }

    /// <summary>Only these systems (all when empty): to look at one system closely, e.g. under a profiler.</summary>
    public HashSet<string> Systems { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="system"/> is to run.</summary>
    public bool Runs(string system) => Systems.Count == 0 || Systems.Contains(system);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--quick":
                    options.Quick = true;
                    break;
                case "--local-ratio":
                    foreach (string part in Next(args, ref i, arg).Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        options.LocalRatios.Add(double.Parse(part, CultureInfo.InvariantCulture));
                    }

                    break;
                case "--size":
                    options.SizeBytes = ParseSize(Next(args, ref i, arg));
                    break;
                case "--json":
                    options.JsonPath = Next(args, ref i, arg);
                    break;
                case "--plot":
                    options.PlotPath = Next(args, ref i, arg);
                    break;
                case "--server":
                    options.Server = Next(args, ref i, arg);
                    break;
                case "--trace":
                    options.TracePath = Next(args, ref i, arg);
                    break;
                case "--frames":
                    options.Frames = int.Parse(Next(args, ref i, arg), CultureInfo.InvariantCulture);
                    break;
                case "--systems":
                    options.Systems.UnionWith(Next(args, ref i, arg).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--workers":
                    options.Workers = int.Parse(Next(args, ref i, arg), CultureInfo.InvariantCulture);
                    break;
                case "--requests":
                    options.Requests = int.Parse(Next(args, ref i, arg), CultureInfo.InvariantCulture);
                    break;
                case "--skew":
                    options.Skew = double.Parse(Next(args, ref i, arg), CultureInfo.InvariantCulture);
                    break;
                case "--value-size":
                    options.ValueSize = (int)ParseSize(Next(args, ref i, arg));
                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal) || options.Workload.Length > 0)
                    {
                        throw new ArgumentException($"Unknown argument {arg}.");
                    }

                    options.Workload = arg;
                    break;
            }
        }

        return options;
    }

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
        return checked(long.Parse(multiplier == 1 ? text : text[..^1], CultureInfo.InvariantCulture) * multiplier);
    }

    private static string Next(string[] args, ref int i, string name) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{name} needs a value.");
}
