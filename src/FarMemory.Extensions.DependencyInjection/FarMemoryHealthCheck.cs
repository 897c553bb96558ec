using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FarMemory.Extensions.DependencyInjection;

/// <summary>
/// Reports whether the runtime's far memory answers (a stats round trip to the backend, bounded by
/// the check's timeout) and how much budget pressure it is under: Unhealthy when the backend does
/// not answer, Degraded when the budget is nearly all in use and the working set does not fit
/// (thrashing), Healthy otherwise. The data carries the figures either way.
/// </summary>
public sealed class FarMemoryHealthCheck : IHealthCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    private readonly FarMemoryRuntime _runtime;
    private readonly FarMemoryClientOptions _options;

    public FarMemoryHealthCheck(FarMemoryRuntime runtime, IOptions<FarMemoryClientOptions> options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        _runtime = runtime;
        _options = options.Value;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Diagnostics.FarMemoryStats stats = _runtime.GetStats();
        double pressure = stats.BudgetBytes == 0 ? 0 : (double)stats.LocalBytesInUse / stats.BudgetBytes;
        var data = new Dictionary<string, object>
        {
            ["budgetBytes"] = stats.BudgetBytes,
            ["localBytesInUse"] = stats.LocalBytesInUse,
            ["pressure"] = pressure,
            ["workingSetBytes"] = stats.WorkingSetBytes,
            ["thrashing"] = stats.IsThrashing,
            ["backend"] = _options.Server is { Length: > 0 } server ? server : "in-process",
        };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_timeout);
            Backends.FarBackendStats far = await _runtime.Backend.GetStatsAsync(timeout.Token).ConfigureAwait(false);
            data["farStoredBytes"] = far.StoredBytes;
        }
        catch (Exception e) when (e is FarMemoryException or OperationCanceledException or ObjectDisposedException)
        {
            return HealthCheckResult.Unhealthy($"Far memory at {data["backend"]} does not answer: {e.Message}", e, data);
        }

        if (stats.IsThrashing && pressure >= _options.DegradedPressure)
        {
            return HealthCheckResult.Degraded(
                $"The budget of {stats.BudgetBytes} bytes is {pressure:P0} used and the working set ({stats.WorkingSetBytes} bytes) does not fit: most accesses go far.", data: data);
        }

        return HealthCheckResult.Healthy($"Far memory answers; {pressure:P0} of the {stats.BudgetBytes}-byte budget in use.", data);
    }
}
