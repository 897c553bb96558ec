using FarMemory.Backends;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarMemory.Extensions.DependencyInjection;

/// <summary>Registers a FarMemory runtime in a service collection.</summary>
public static class FarMemoryServiceCollectionExtensions
{
    /// <summary>
    /// Adds one <see cref="FarMemoryRuntime"/> (a singleton the container disposes, which creates the
    /// collections and frames) and its <see cref="IFarMemoryBackend"/>. Options come from the
    /// configuration section <c>FarMemory</c> when an <see cref="IConfiguration"/> is registered, then
    /// from <paramref name="configure"/>; they are validated when the host starts (a bad budget,
    /// segment size or server fails the start with a message naming the key). With a server the
    /// runtime connects on first use; without one it keeps far memory in an in-process store. The
    /// runtime logs through the container's <see cref="ILoggerFactory"/>, category <c>FarMemory</c>.
    /// </summary>
    public static IServiceCollection AddFarMemory(this IServiceCollection services, Action<FarMemoryClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<FarMemoryClientOptions> options = services.AddOptions<FarMemoryClientOptions>()
            .Configure<IServiceProvider>((o, provider) => provider.GetService<IConfiguration>()?.GetSection(FarMemoryClientOptions.SectionName).Bind(o));
        if (configure != null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FarMemoryClientOptions>, FarMemoryClientOptionsValidator>());
        services.TryAddSingleton(CreateRuntime);
        services.TryAddSingleton(provider => provider.GetRequiredService<FarMemoryRuntime>().Backend);
        return services;
    }

    private static FarMemoryRuntime CreateRuntime(IServiceProvider provider)
    {
        FarMemoryClientOptions options = provider.GetRequiredService<IOptions<FarMemoryClientOptions>>().Value;
        IFarMemoryBackend? backend = null;
        if (!string.IsNullOrWhiteSpace(options.Server))
        {
            FarMemoryClientOptionsValidator.TryParseServer(options.Server, out string host, out int port);

            // A container's factories are synchronous; a singleton connects once, on first use.
            backend = TcpFarMemoryBackend.ConnectAsync(host, port, new TcpFarMemoryBackendOptions
            {
                AuthToken = options.AuthToken,
                Connections = options.Connections,
                ConnectTimeout = options.ConnectTimeout,
            }).GetAwaiter().GetResult();
        }

        FarMemoryOptions runtimeOptions = FarMemoryClientOptionsValidator.ToRuntimeOptions(options, backend);
        runtimeOptions.Logger = provider.GetService<ILoggerFactory>()?.CreateLogger("FarMemory");
        try
        {
            return new FarMemoryRuntime(runtimeOptions);
        }
        catch
        {
            backend?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }
}
