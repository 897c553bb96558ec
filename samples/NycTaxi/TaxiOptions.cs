using System.Globalization;
using FarMemory.DataFrames;

namespace NycTaxi;

/// <summary>The sample's command line.</summary>
public sealed class TaxiOptions
{
    public long Rows { get; private set; } = 1_000_000;

    public string? Generate { get; private set; }

    public string? Csv { get; private set; }

    public double LocalRatio { get; private set; } = 0.25;

    public OffloadPolicy Offload { get; private set; } = OffloadPolicy.Auto;

    public string? Server { get; private set; }

    public string? Plot { get; private set; }

    public int Seed { get; private set; } = 2016;

    /// <summary>Skip the all-local check run (its timings and its comparison).</summary>
    public bool NoCheck { get; private set; }

    public const string Usage =
        "usage: NycTaxi [--rows N] [--generate out.csv] [--csv PATH] [--local-ratio R] [--offload auto|on|off] [--server host:port] [--plot steps.png] [--seed S] [--no-check]";

    public static TaxiOptions Parse(string[] args)
    {
        var o = new TaxiOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            switch (args[i])
            {
                case "--rows": o.Rows = long.Parse(Next().Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture); break;
                case "--generate": o.Generate = Next(); break;
                case "--csv": o.Csv = Next(); break;
                case "--local-ratio": o.LocalRatio = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--offload":
                    o.Offload = Next() switch
                    {
                        "auto" => OffloadPolicy.Auto,
                        "on" => OffloadPolicy.Always,
                        "off" => OffloadPolicy.Never,
                        string v => throw new ArgumentException($"--offload is auto, on or off, not {v}."),
                    };
                    break;
                case "--server": o.Server = Next(); break;
                case "--plot": o.Plot = Next(); break;
                case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--no-check": o.NoCheck = true; break;
                case "-h" or "--help": throw new ArgumentException(Usage);
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }

        if (o.Rows <= 0 || !(o.LocalRatio > 0 && o.LocalRatio <= 1))
        {
            throw new ArgumentException($"--rows must be positive and --local-ratio in (0, 1].\n{Usage}");
        }

        return o;
    }
}
