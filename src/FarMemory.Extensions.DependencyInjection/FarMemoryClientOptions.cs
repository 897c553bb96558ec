namespace FarMemory.Extensions.DependencyInjection;

/// <summary>
/// The runtime <see cref="FarMemoryServiceCollectionExtensions.AddFarMemory"/> puts in the
/// container, as configuration describes it (section <see cref="SectionName"/>):
/// <code>
/// "FarMemory": { "LocalBudgetBytes": 4294967296, "Server": "memhost:7400", "AuthToken": "..." }
/// </code>
/// </summary>
public sealed class FarMemoryClientOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "FarMemory";

    /// <summary>The hard cap on local native memory (<see cref="FarMemoryOptions.LocalBudgetBytes"/>); default 256 MiB.</summary>
    public long LocalBudgetBytes { get; set; } = 256L << 20;

    /// <summary><see cref="FarMemoryOptions.SegmentSize"/>: 0 (the default) follows the budget.</summary>
    public int SegmentSize { get; set; }

    /// <summary>The farmem-server as <c>host:port</c>; empty keeps far memory in an in-process store (tests, a single process).</summary>
    public string? Server { get; set; }

    /// <summary>The server's auth token (its <c>--auth-token</c>), if it has one.</summary>
    public string? AuthToken { get; set; }

    /// <summary>Pipelined connections of the session (1 to 64).</summary>
    public int Connections { get; set; } = 1;

    /// <summary>How long connecting may take before it fails with <see cref="FarMemoryTimeoutException"/>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An allocation stall longer than this is logged as a warning.</summary>
    public TimeSpan StallWarningThreshold { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The share of the budget in use above which the health check reports Degraded while the
    /// working set does not fit (default 0.98: the budget is full and the runtime is evicting).
    /// </summary>
    public double DegradedPressure { get; set; } = 0.98;
}
