using FarMemory;
using FarMemory.Extensions.DependencyInjection;
using FarMemory.Server;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using WebFrontend;

// AIFM's web front-end as an ASP.NET Core service: the runtime from AddFarMemory (section
// "FarMemory"; with no "FarMemory:Server" a far-memory server is started in-process on loopback),
// the async API in the handler, /health and /stats.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
FarMemoryServer? embedded = null;
if (string.IsNullOrWhiteSpace(builder.Configuration["FarMemory:Server"]))
{
    embedded = await FarMemoryServer.StartAsync(new FarMemoryServerOptions { Port = 0 });
    builder.Configuration["FarMemory:Server"] = embedded.EndPoint.ToString();
}

builder.Services.AddFarMemory();
builder.Services.AddHealthChecks().AddFarMemory();
builder.Services.Configure<FrontendOptions>(builder.Configuration.GetSection("Frontend"));
builder.Services.AddSingleton<FrontendData>();
builder.Services.AddSingleton<RequestHandler>();

WebApplication app = builder.Build();
app.MapGet("/request/{id:long}", (long id, RequestHandler handler, CancellationToken cancellationToken) => handler.HandleAsync(id, cancellationToken));
app.MapGet("/stats", (FarMemoryRuntime runtime) => runtime.GetStats());
app.MapHealthChecks("/health", new HealthCheckOptions
{
    ResponseWriter = (context, report) => context.Response.WriteAsJsonAsync(new
    {
        status = report.Status.ToString(),
        checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description, e.Value.Data }),
    }),
});

// Load the data before taking requests.
_ = app.Services.GetRequiredService<FrontendData>();
await app.RunAsync();
if (embedded != null)
{
    await embedded.DisposeAsync();
}

/// <summary>The entry point, public so tests can host it.</summary>
public partial class Program;
