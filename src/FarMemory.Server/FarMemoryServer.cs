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
    private readonly ServerMemory _memory;
    private readonly BufferBudget _buffers;
    private readonly SessionRegistry _sessions;
    private readonly TokenVerifier _tokens;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, (Socket Socket, ClientConnection Connection)> _connections = new();
    private readonly Timer _sweep;
    private readonly RemoteAgent.RemoteAgent _agent;
    private Task _acceptLoop = Task.CompletedTask;
    private long _accepted;
    private long _refused;
    private int _refusing;

    private FarMemoryServer(FarMemoryServerOptions options, ILoggerFactory loggerFactory, RemoteAgent.FarOperationRegistry operations)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<FarMemoryServer>();
        _memory = new ServerMemory(options.MaxMemoryBytes);
        _buffers = new BufferBudget(options.MaxBufferBytes);
        var limits = new NamespaceLimits(Math.Min(options.PerClientQuotaBytes, options.MaxMemoryBytes), options.MaxObjectsPerSession, options.MaxStructuresPerSession);
        _sessions = new SessionRegistry(_memory, limits, options.SessionRetention, options.MaxSessions, options.MaxConnectionsPerSession);
        _tokens = new TokenVerifier(options.AuthToken);
        _agent = new RemoteAgent.RemoteAgent(operations, options, loggerFactory.CreateLogger("FarMemory.Server.RemoteAgent"));
        _listener = new Socket(options.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);

        // The sweep that enforces every connection timeout: a quarter of the shortest, 50 ms to 1 s.
        TimeSpan shortest = new[] { options.HandshakeTimeout, options.FrameTimeout, options.WriteTimeout, options.IdleTimeout > TimeSpan.Zero ? options.IdleTimeout : TimeSpan.MaxValue }.Min();
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _sweep = new Timer(static state => ((FarMemoryServer)state!).Sweep(), this, Timeout.InfiniteTimeSpan, period);
        _sweepPeriod = period;
    }

    private readonly TimeSpan _sweepPeriod;

    /// <summary>The address and port the server listens on.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int Port => EndPoint.Port;

    /// <summary>Object bytes stored for all clients together.</summary>
    public long StoredBytes => _memory.DataBytes;

    /// <summary>Bytes charged against <see cref="FarMemoryServerOptions.MaxMemoryBytes"/>: object bytes plus the metadata charges.</summary>
    public long ChargedBytes => _memory.Charged.UsedBytes;

    /// <summary>Bytes of large frames held in connection buffers now (bounded by <see cref="FarMemoryServerOptions.MaxBufferBytes"/>).</summary>
    public long BufferedBytes => _buffers.UsedBytes;

    public int SessionCount => _sessions.Count;

    public int ConnectionCount => _connections.Count;

    /// <summary>Connections refused at accept because <see cref="FarMemoryServerOptions.MaxConnections"/> were open.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refused);

    /// <summary>Binds and starts accepting connections.</summary>
    /// <exception cref="FarMemoryException">A non-loopback bind without an auth token.</exception>
    public static Task<FarMemoryServer> StartAsync(FarMemoryServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new FarMemoryServerOptions();
        options.Validate();
        RemoteAgent.FarOperationRegistry operations = LoadOperations(options);
        var server = new FarMemoryServer(options, loggerFactory ?? NullLoggerFactory.Instance, operations);
        try
        {
            server._listener.Bind(new IPEndPoint(options.BindAddress, options.Port));
            server._listener.Listen(512);
        }
        catch
        {
            server._listener.Dispose();
            server._agent.Dispose();
            throw;
        }

        server._logger.LogInformation(
            "FarMemory server listening on {EndPoint} (max memory {MaxMemory} bytes, auth {Auth})",
            server.EndPoint,
            options.MaxMemoryBytes,
            server._tokens.RequiresToken ? "required" : "off");
        server._acceptLoop = Task.Run(server.AcceptLoopAsync);
        server._sweep.Change(server._sweepPeriod, server._sweepPeriod);
        return Task.FromResult(server);
    }

    /// <summary>The operations the server runs: the built-ins, then the configured types and assemblies (any failure stops the start).</summary>
    public IReadOnlyList<RemoteAgent.FarOperationDescriptor> Operations => _agent.Registry.Operations;

    /// <summary>Remote-agent calls run so far, and how many failed (threw, timed out or hit a limit).</summary>
    public (long Calls, long Failed) CallCounts => (_agent.Calls, _agent.FailedCalls);

    private static RemoteAgent.FarOperationRegistry LoadOperations(FarMemoryServerOptions options)
    {
        var registry = new RemoteAgent.FarOperationRegistry();
        foreach (Type type in options.OperationTypes)
        {
            if (!typeof(RemoteAgent.IFarOperation).IsAssignableFrom(type) || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is not { } constructor)
            {
                throw new InvalidOperationException($"{type.FullName} is not a concrete IFarOperation with a public parameterless constructor.");
            }

            registry.Register(() => (RemoteAgent.IFarOperation)constructor.Invoke(null));
        }

        foreach (string path in options.OperationAssemblies)
        {
            registry.LoadAssembly(path);
        }

        registry.Listing();
        return registry;
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
                _ = RefuseAsync(socket, $"too many connections (the server serves at most {_options.MaxConnections})");
                continue;
            }

            Interlocked.Increment(ref _accepted);
            var connection = new ClientConnection(socket, _options, _sessions, _tokens, _buffers, _agent, connectionLogger, _stopping.Token);
            Task task = Task.Run(connection.RunAsync);
            _connections[task] = (socket, connection);
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Tells a refused peer why in one error frame (request id 0, <see cref="Protocol.FrameStatus.ServerBusy"/>),
    /// then closes once it has read it (or after a second). At most 64 refusals linger at once; past
    /// that a refused socket is just closed.
    /// </summary>
    private async Task RefuseAsync(Socket socket, string reason)
    {
        if (Interlocked.Increment(ref _refusing) > 64)
        {
            Interlocked.Decrement(ref _refusing);
            socket.Dispose();
            return;
        }

        try
        {
            byte[] text = System.Text.Encoding.UTF8.GetBytes(reason);
            byte[] frame = new byte[Protocol.FrameHeader.Size + text.Length];
            Protocol.FrameHeader.For(Protocol.OpCode.Hello, 0, text.Length, Protocol.FrameStatus.ServerBusy, Protocol.FrameFlags.Response).Write(frame);
            text.CopyTo(frame, Protocol.FrameHeader.Size);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            bound.CancelAfter(TimeSpan.FromSeconds(1));
            await socket.SendAsync(frame, SocketFlags.None, bound.Token).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);

            // Drain what the peer sent (its Hello) until it closes, so closing does not reset the error frame away.
            byte[] sink = new byte[512];
            while (await socket.ReceiveAsync(sink, SocketFlags.None, bound.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the peer went away or did not close within the bound.
        }
        finally
        {
            socket.Dispose();
            Interlocked.Decrement(ref _refusing);
        }
    }

    private void Sweep()
    {
        long now = Environment.TickCount64;
        foreach ((Socket _, ClientConnection connection) in _connections.Values)
        {
            connection.CheckTimeout(now);
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
        await _sweep.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        foreach ((Socket socket, ClientConnection _) in _connections.Values)
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
        if (_agent.Stop())
        {
            _sessions.Dispose();
        }
        else
        {
            // An operation is still running past every deadline: freeing the objects under it could crash the process.
            _logger.LogError("An operation did not stop; the server's stored objects are left allocated");
        }

        _buffers.Dispose();
        _stopping.Dispose();
        _logger.LogInformation("FarMemory server stopped after {Accepted} connections", Interlocked.Read(ref _accepted));
    }
}
