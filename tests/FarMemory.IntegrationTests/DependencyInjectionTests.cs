using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Extensions.DependencyInjection;
using FarMemory.Scopes;
using FarMemory.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FarMemory.IntegrationTests;

/// <summary>services.AddFarMemory(): configuration, validation at start, logging and the health check, against a real server.</summary>
public class DependencyInjectionTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, List<string>? log = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Information);
            if (log != null)
            {
                b.AddProvider(new ListLoggerProvider(log));
            }
        });
        services.AddFarMemory();
        services.AddHealthChecks().AddFarMemory();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public async Task TheRuntimeComesFromConfigurationAndUsesTheServer()
    {
        await using FarMemoryServer server = await FarMemoryServer.StartAsync(new FarMemoryServerOptions { Port = 0 });
        var log = new List<string>();
        await using ServiceProvider provider = Build(new()
        {
            ["FarMemory:LocalBudgetBytes"] = (8L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FarMemory:Server"] = server.EndPoint.ToString(),
            ["FarMemory:Connections"] = "2",
        }, log);
        provider.GetRequiredService<IStartupValidator>().Validate();

        FarMemoryRuntime runtime = provider.GetRequiredService<FarMemoryRuntime>();
        Assert.Same(runtime, provider.GetRequiredService<FarMemoryRuntime>());
        Assert.Equal(8L << 20, runtime.BudgetBytes);
        Assert.IsType<TcpFarMemoryBackend>(provider.GetRequiredService<IFarMemoryBackend>());
        using (RemArray<long> array = runtime.CreateArray<long>(4_000_000))
        {
            array.CopyFrom(Enumerable.Range(0, 4_000_000).Select(i => (long)i).ToArray(), 0);
            using DerefScope scope = runtime.EnterScope();
            Assert.Equal(123_456, array.Read(123_456, scope));
        }

        Assert.True(runtime.GetStats().BytesToFar > 0, "32 MB through an 8 MiB budget must have gone far");
        lock (log)
        {
            Assert.Contains(log, l => l.Contains("started: budget 8388608 bytes", StringComparison.Ordinal) && l.Contains(nameof(TcpFarMemoryBackend), StringComparison.Ordinal));
        }

        HealthReport report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(8L << 20, report.Entries["farmemory"].Data["budgetBytes"]);
    }

    [Theory]
    [InlineData("FarMemory:LocalBudgetBytes", "1000", "FarMemory:LocalBudgetBytes")]
    [InlineData("FarMemory:SegmentSize", "3000", "FarMemory:SegmentSize")]
    [InlineData("FarMemory:Server", "memhost", "FarMemory:Server 'memhost' is not host:port")]
    [InlineData("FarMemory:Connections", "0", "FarMemory:Connections is 0")]
    public async Task BadOptionsFailTheStartNamingTheKey(string key, string value, string expected)
    {
        await using ServiceProvider provider = Build(new() { [key] = value });
        OptionsValidationException e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task TheHealthCheckIsUnhealthyWhenTheServerIsGone()
    {
        FarMemoryServer server = await FarMemoryServer.StartAsync(new FarMemoryServerOptions { Port = 0 });
        string endPoint = server.EndPoint.ToString();
        await using ServiceProvider provider = Build(new() { ["FarMemory:Server"] = endPoint, ["FarMemory:LocalBudgetBytes"] = (8L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _ = provider.GetRequiredService<FarMemoryRuntime>();
        var health = provider.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        await server.DisposeAsync();
        HealthReport report = await health.CheckHealthAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains(endPoint, report.Entries["farmemory"].Description);
    }

    [Fact]
    public async Task WithoutAServerFarMemoryIsAnInProcessStore()
    {
        await using ServiceProvider provider = Build(new());
        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<InProcessBackend>(provider.GetRequiredService<FarMemoryRuntime>().Backend);
        Assert.Equal(256L << 20, provider.GetRequiredService<FarMemoryRuntime>().BudgetBytes);
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add($"{category} {logLevel}: {formatter(state, exception)}");
                }
            }
        }
    }
}
