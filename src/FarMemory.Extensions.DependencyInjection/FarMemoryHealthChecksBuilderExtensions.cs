using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FarMemory.Extensions.DependencyInjection;

/// <summary>Adds <see cref="FarMemoryHealthCheck"/> to a health-checks builder.</summary>
public static class FarMemoryHealthChecksBuilderExtensions
{
    /// <summary>Checks the runtime <see cref="FarMemoryServiceCollectionExtensions.AddFarMemory"/> registered; tagged <c>farmemory</c>.</summary>
    public static IHealthChecksBuilder AddFarMemory(this IHealthChecksBuilder builder, string name = "farmemory", HealthStatus? failureStatus = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<FarMemoryHealthCheck>(name, failureStatus, ["farmemory"]);
    }
}
