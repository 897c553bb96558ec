using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using FarMemory.Server.ObjectStore;
using FarMemory.Server.Security;
using FarMemory.Server.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FarMemory.Server;

/// <summary>
/// The far-memory server: a TCP object store that keeps each client session's objects apart,
/// charges them to a per-client quota and a server-wide memory cap, and speaks the framed protocol
/// of <see cref="FarMemory.Protocol"/>. Host it in-process or run the <c>farmem-server</c> tool.
/// </summary>
/// <example>
/// <code>
/// await using var server = await FarMemoryServer.StartAsync(new FarMemoryServerOptions { Port = 0 });
/// Console.WriteLine(server.EndPoint); // 127.0.0.1:port
/// </code>
/// </example>
public sealed class FarMemoryServer : IAsyncDisposable
{
    private readonly FarMemoryServerOptions _options;
    private readonly Socket _listener;
    private readonly MemoryQuota _memory;
    private readonly SessionRegistry _sessions;
    private readonly TokenVerifier _tokens;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, Socket> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _accepted;
    private long _refused;

    private FarMemoryServer(FarMemoryServerOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<FarMemoryServer>();
        _memory = new MemoryQuota(options.MaxMemoryBytes);
        _sessions = new SessionRegistry(_memory, Math.Min(options.PerClientQuotaBytes, options.MaxMemoryBytes), options.SessionRetention);
        _tokens = new TokenVerifier(options.AuthToken);
        _listener = new Socket(options.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
    }

    /// <summary>The address and port the server listens on.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int Port => EndPoint.Port;

    /// <summary>Object bytes stored for all clients together.</summary>
    public long StoredBytes => _memory.UsedBytes;

    public int SessionCount => _sessions.Count;

    public int ConnectionCount => _connections.Count;

    /// <summary>Connections refused because <see cref="FarMemoryServerOptions.MaxConnections"/> were open.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refused);

    /// <summary>Binds and starts accepting connections.</summary>
    /// <exception cref="FarMemoryException">A non-loopback bind without an auth token.</exception>
    public static Task<FarMemoryServer> StartAsync(FarMemoryServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new FarMemoryServerOptions();
        options.Validate();
        var server = new FarMemoryServer(options, loggerFactory ?? NullLoggerFactory.Instance);
        try
        {
            server._listener.Bind(new IPEndPoint(options.BindAddress, options.Port));
            server._listener.Listen(512);
        }
        catch
        {
            server._listener.Dispose();
            throw;
        }

        server._logger.LogInformation(
            "FarMemory server listening on {EndPoint} (max memory {MaxMemory} bytes, auth {Auth})",
            server.EndPoint,
            options.MaxMemoryBytes,
            server._tokens.RequiresToken ? "required" : "off");
        server._acceptLoop = Task.Run(server.AcceptLoopAsync);
        return Task.FromResult(server);
    }

    private async Task AcceptLoopAsync()
    {
        ILogger connectionLogger = _loggerFactory.CreateLogger<ClientConnection>();
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                _logger.LogWarning(e, "Accept failed");
                continue;
            }

            if (_connections.Count >= _options.MaxConnections)
            {
                Interlocked.Increment(ref _refused);
                _logger.LogWarning("Refusing {Peer}: {Max} connections open", socket.RemoteEndPoint, _options.MaxConnections);
                socket.Dispose();
                continue;
            }

            Interlocked.Increment(ref _accepted);
            var connection = new ClientConnection(socket, _options, _sessions, _tokens, connectionLogger);
            Task task = Task.Run(() => connection.RunAsync(_stopping.Token));
            _connections[task] = socket;
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (Socket socket in _connections.Values)
        {
            socket.Dispose();
        }

        try
        {
            await Task.WhenAll(_connections.Keys).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Connections end in errors by design once their sockets are closed under them.
            _logger.LogDebug(e, "Connections ended with errors during shutdown");
        }
        _sessions.Dispose();
        _stopping.Dispose();
        _logger.LogInformation("FarMemory server stopped after {Accepted} connections", Interlocked.Read(ref _accepted));
    }
}
