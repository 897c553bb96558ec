using FarMemory.Server;
using FarMemory.Server.Tool;
using Microsoft.Extensions.Logging;

ServerCommandLine commandLine;
try
{
    commandLine = ServerCommandLine.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"farmem-server: {e.Message}; farmem-server --help lists the options");
    return 2;
}

if (commandLine.ShowHelp)
{
    Console.WriteLine(ServerCommandLine.Usage);
    return 0;
}

if (commandLine.ShowVersion)
{
    Console.WriteLine($"farmem-server {ServerCommandLine.Version}");
    return 0;
}

using ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder
    .SetMinimumLevel(commandLine.LogLevel)
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
    }));
ILogger logger = loggerFactory.CreateLogger("farmem-server");

FarMemoryServer server;
try
{
    server = await FarMemoryServer.StartAsync(commandLine.Options, loggerFactory);
}
catch (Exception e) when (e is FarMemory.FarMemoryException or ArgumentException or InvalidOperationException or System.Net.Sockets.SocketException)
{
    logger.LogCritical("Cannot start: {Message}", e.Message);
    return 1;
}

await using (server)
{
    // Scripts wait for this line to learn the port (useful with --port 0).
    Console.WriteLine($"listening {server.EndPoint}");
    var stop = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.TrySetResult();
    };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
    await stop.Task;
    logger.LogInformation("Stopping");
}

return 0;
