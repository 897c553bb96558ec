using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using FarMemory.Protocol;

namespace FarMemory.Backends.Tcp;

/// <summary>
/// One TCP connection to a far-memory server with many requests in flight. Senders serialise their
/// frame into the pipe writer under a short lock and flush; one receive loop cuts answers off a
/// <see cref="PipeReader"/> and completes the waiting request by id, so answers may come in any order.
/// </summary>
/// <remarks>
/// A failed connection (reset, EOF, protocol error) fails every request in flight and every later
/// one with <see cref="FarMemoryUnavailableException"/>; it does not reconnect by itself.
/// </remarks>
internal sealed class TcpConnection : IAsyncDisposable
{
    private const int MaxSlots = ushort.MaxValue + 1;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly TcpFarMemoryBackendOptions _options;
    private readonly object _writeLock = new();
    private readonly object _slotLock = new();
    private readonly ConcurrentQueue<PendingRequest> _free = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Timer _timeouts;
    private readonly long _timeoutTicks;
    private PendingRequest?[] _slots = new PendingRequest?[64];
    private int _slotCount;
    private long _sequence;
    private Exception? _failure;
    private Task _receiveLoop = Task.CompletedTask;

    private TcpConnection(Socket socket, TcpFarMemoryBackendOptions options)
    {
        _socket = socket;
        _options = options;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        _timeoutTicks = (long)(options.RequestTimeout.TotalSeconds * Stopwatch.Frequency);
        TimeSpan scan = TimeSpan.FromTicks(Math.Clamp(options.RequestTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 20, TimeSpan.TicksPerSecond));
        _timeouts = new Timer(static state => ((TcpConnection)state!).FailExpired(), this, scan, scan);
        _scanPeriod = scan;
    }

    private readonly TimeSpan _scanPeriod;

    /// <summary>The session key the server gave (or confirmed) in the Hello answer.</summary>
    public byte[] SessionKey { get; private set; } = [];

    /// <summary>Largest payload a frame may carry both ways: the smaller of the server's and this client's limits.</summary>
    public int MaxPayload { get; private set; }

    /// <summary>Items one batch may carry, as the server announced (the protocol default for older servers).</summary>
    public int MaxBatchItems { get; private set; } = ProtocolConstants.DefaultMaxBatchItems;

    /// <summary>The server closes a connection idle this long (ms; 0: never); the timer pings well before.</summary>
    private int _idleTimeoutMs;

    private long _lastSend = Environment.TickCount64;
    private int _pinging;
    private int _disposed;

    public bool IsFailed => Volatile.Read(ref _failure) != null;

    public static async Task<TcpConnection> ConnectAsync(EndPoint endPoint, TcpFarMemoryBackendOptions options, byte[]? sessionKey, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetwork : endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        TcpConnection? connection = null;
        bool connected = false;
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            connected = true;
            connection = new TcpConnection(socket, options);
            connection._receiveLoop = Task.Run(connection.ReceiveLoopAsync);
            connection.SessionKey = await connection.HelloAsync(sessionKey, timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e)
        {
            if (connection != null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw ConnectFailure(e, endPoint, options, connected, cancellationToken);
        }
    }

    /// <summary>
    /// What a failed connect tells the caller: the caller's own cancellation as is; the connect
    /// timeout as a timeout; a socket error (refused, unreachable) as unavailable, naming the
    /// server; and, once connected, a peer that closes or answers the Hello with something that is
    /// not a frame as "not a farmem-server". A farmem-server's own refusal (a bad auth token, a
    /// version it does not speak) keeps its typed status.
    /// </summary>
    private static Exception ConnectFailure(Exception e, EndPoint endPoint, TcpFarMemoryBackendOptions options, bool connected, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("Connecting to the far-memory server was cancelled.", e, cancellationToken);
        }

        bool timedOut = e is OperationCanceledException || e.InnerException is OperationCanceledException;
        if (timedOut)
        {
            return new FarMemoryTimeoutException(
                $"Connecting to the far-memory server at {endPoint} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s " +
                $"(TcpFarMemoryBackendOptions.ConnectTimeout){(connected ? ": it accepted the connection but did not answer the Hello" : "")}.", e);
        }

        if (!connected)
        {
            string reason = e is SocketException socket && socket.SocketErrorCode == SocketError.ConnectionRefused
                ? "connection refused (is farmem-server running there?)"
                : e.Message;
            return new FarMemoryUnavailableException($"Cannot connect to the far-memory server at {endPoint}: {reason}.", e);
        }

        // A peer that closed, or sent bytes that are not a frame, is not a farmem-server; a status a
        // farmem-server answered with (busy, unauthorized, ...) stays what it is.
        Exception cause = e is FarMemoryUnavailableException && e.InnerException != null ? e.InnerException : e;
        bool garbled = cause is IOException or SocketException or FarMemoryProtocolException { Status: FrameStatus.BadRequest };
        if (!garbled)
        {
            return e is FarMemoryException ? e : new FarMemoryUnavailableException($"Cannot connect to the far-memory server at {endPoint}: {e.Message}", e);
        }

        string what = cause.Message;
        return new FarMemoryProtocolException(FrameStatus.BadRequest, $"{endPoint} is not a farmem-server (bad greeting): {what}");
    }

    /// <summary>A pooled request; fill its inputs, then <see cref="Send"/>.</summary>
    public PendingRequest Rent()
    {
        if (_free.TryDequeue(out PendingRequest? request))
        {
            return request;
        }

        lock (_slotLock)
        {
            if (_slotCount == MaxSlots)
            {
                throw new FarMemoryException($"More than {MaxSlots} requests in flight on one connection.");
            }

            if (_slotCount == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
            }

            request = new PendingRequest(this, (ushort)_slotCount);
            Volatile.Write(ref _slots[_slotCount], request);
            _slotCount++;
            return request;
        }
    }

    public void Return(PendingRequest request) => _free.Enqueue(request);

    /// <summary>Sends the request and returns the awaitable of its answer.</summary>
    public ValueTask<int> Send(PendingRequest request, OpCode opCode, CancellationToken cancellationToken)
    {
        short version = request.Version;
        Transmit(request, opCode, cancellationToken);
        return new ValueTask<int>(request, version);
    }

    /// <summary>
    /// Sends the request and blocks the calling thread until the answer: the receive loop wakes it
    /// directly, without the thread-pool hop an awaited completion needs. For callers that would
    /// block anyway (the runtime's synchronous miss path).
    /// </summary>
    public int SendAndWait(PendingRequest request, OpCode opCode)
    {
        request.PrepareSynchronousWait();
        Transmit(request, opCode, CancellationToken.None);
        return request.WaitSynchronously();
    }

    private void Transmit(PendingRequest request, OpCode opCode, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastSend, Environment.TickCount64);
        ulong id = ((ulong)Interlocked.Increment(ref _sequence) << 16) | request.Slot;
        request.Start(opCode, id, Stopwatch.GetTimestamp() + _timeoutTicks);
        request.RegisterCancellation(cancellationToken);
        Exception? failure = Volatile.Read(ref _failure);
        if (failure == null)
        {
            try
            {
                lock (_writeLock)
                {
                    request.WriteRequest(_writer);
                    ValueTask<FlushResult> flush = _writer.FlushAsync(CancellationToken.None);
                    if (!flush.IsCompletedSuccessfully)
                    {
                        // Back-pressure: the socket buffer is full. Wait here so frames stay whole and ordered.
                        flush.AsTask().GetAwaiter().GetResult();
                    }
                }
            }
            catch (Exception e)
            {
                failure = Fail(e);
            }
        }

        if (failure != null && request.TryClaim())
        {
            request.Fail(Unavailable(failure));
        }
    }

    private async Task<byte[]> HelloAsync(byte[]? sessionKey, CancellationToken cancellationToken)
    {
        byte[] token = string.IsNullOrEmpty(_options.AuthToken) ? [] : System.Text.Encoding.UTF8.GetBytes(_options.AuthToken);
        byte[] payload = new byte[sizeof(ushort) + sizeof(ushort) + token.Length + ProtocolConstants.SessionKeyLength];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(payload, ProtocolConstants.Version);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(2), checked((ushort)token.Length));
        token.CopyTo(payload, 4);
        sessionKey?.CopyTo(payload, 4 + token.Length);

        PendingRequest request = Rent();
        request.Source = payload;
        await Send(request, OpCode.Hello, cancellationToken).ConfigureAwait(false);

        // Hello is the first request of the connection, so nobody can have rented the instance since.
        byte[]? response = request.HelloResponse;
        request.HelloResponse = null;

        if (response == null || response.Length < ProtocolConstants.SessionKeyLength)
        {
            throw new FarMemoryProtocolException(FrameStatus.BadRequest, "Malformed Hello answer.");
        }

        // After the key: the server's max frame, max batch items and idle timeout (older servers send fewer).
        int serverFrame = Field(0, ProtocolConstants.DefaultMaxFrameLength);
        MaxPayload = Math.Min(serverFrame, _options.MaxFrameLength) - FrameHeader.CountedSize;
        MaxBatchItems = Math.Max(1, Field(1, ProtocolConstants.DefaultMaxBatchItems));
        _idleTimeoutMs = Math.Max(0, Field(2, 0));
        if (_idleTimeoutMs > 0 && TimeSpan.FromMilliseconds(_idleTimeoutMs / 4) < _scanPeriod)
        {
            // Scan often enough to ping within a third of the idle timeout.
            TimeSpan scan = TimeSpan.FromMilliseconds(Math.Max(10, _idleTimeoutMs / 4));
            _timeouts.Change(scan, scan);
        }

        return response[..ProtocolConstants.SessionKeyLength];

        int Field(int index, int fallback)
        {
            int at = ProtocolConstants.SessionKeyLength + (index * sizeof(int));
            return response.Length >= at + sizeof(int) ? System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(response.AsSpan(at)) : fallback;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                ReadResult result = await _reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (true)
                {
                    FrameReadResult read = FrameReader.TryReadFrame(ref buffer, _options.MaxFrameLength, out FrameHeader header, out ReadOnlySequence<byte> payload);
                    if (read == FrameReadResult.Incomplete)
                    {
                        break;
                    }

                    if (read != FrameReadResult.Frame)
                    {
                        throw new FarMemoryProtocolException(FrameStatus.BadRequest, $"The server sent a bad frame ({read}).");
                    }

                    Dispatch(header, payload);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    throw new IOException("The far-memory server closed the connection.");
                }
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
        finally
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Dispatch(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        int slot = (int)(header.RequestId & 0xFFFF);
        PendingRequest? request = slot < Volatile.Read(ref _slotCount) ? Volatile.Read(ref _slots[slot]) : null;
        if (request == null || request.RequestId != header.RequestId || !request.TryClaim())
        {
            if (header.RequestId == 0 && header.Status != FrameStatus.Ok)
            {
                // A connection-level error the server sends before closing (frame too large, busy, timeout).
                string message = $"The far-memory server closed the connection: {header.Status}{PendingRequest.ReasonOf(payload)}.";
                throw header.Status is FrameStatus.ServerBusy or FrameStatus.Timeout
                    ? new FarMemoryUnavailableException(message)
                    : new FarMemoryProtocolException(header.Status, message);
            }

            return; // An answer to a request that already timed out or was cancelled.
        }

        request.Complete(header, payload);
    }

    /// <summary>Marks the connection failed and fails everything in flight; returns the first failure.</summary>
    private Exception Fail(Exception error)
    {
        Exception first = Interlocked.CompareExchange(ref _failure, error, null) ?? error;
        int count = Volatile.Read(ref _slotCount);
        for (int i = 0; i < count; i++)
        {
            PendingRequest? request = Volatile.Read(ref _slots[i]);
            if (request != null && request.TryClaim())
            {
                request.Fail(Unavailable(first));
            }
        }

        return first;
    }

    private void FailExpired()
    {
        KeepAlive();
        long now = Stopwatch.GetTimestamp();
        int count = Volatile.Read(ref _slotCount);
        for (int i = 0; i < count; i++)
        {
            PendingRequest? request = Volatile.Read(ref _slots[i]);
            if (request != null && request.IsInFlight && now > request.DeadlineTimestamp && request.TryClaim())
            {
                request.Fail(new FarMemoryUnavailableException(
                    $"The far-memory server did not answer {request.OpCode} within {_options.RequestTimeout}."));
            }
        }
    }

    /// <summary>Pings a connection that sent nothing for a third of the server's idle timeout, so the server keeps it.</summary>
    private void KeepAlive()
    {
        if (_idleTimeoutMs <= 0 || IsFailed || Environment.TickCount64 - Volatile.Read(ref _lastSend) < _idleTimeoutMs / 3 ||
            Interlocked.Exchange(ref _pinging, 1) == 1)
        {
            return;
        }

        _ = PingAsync();

        async Task PingAsync()
        {
            try
            {
                await Send(Rent(), OpCode.Ping, CancellationToken.None).ConfigureAwait(false);
            }
            catch (FarMemoryException)
            {
                // The connection failed; its requests report that.
            }
            finally
            {
                Volatile.Write(ref _pinging, 0);
            }
        }
    }

    private static FarMemoryException Unavailable(Exception cause) =>
        cause as FarMemoryException is { } known && known is not FarMemoryUnavailableException
            ? new FarMemoryUnavailableException(known.Message, known)
            : new FarMemoryUnavailableException("The connection to the far-memory server failed.", cause);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _timeouts.DisposeAsync().ConfigureAwait(false);
        Fail(new ObjectDisposedException(nameof(TcpFarMemoryBackend)));
        _closing.Cancel();
        lock (_writeLock)
        {
            try
            {
                _writer.Complete();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                // The peer is gone already; there is nothing left to flush to.
            }
        }

        _socket.Dispose();
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The loop ends in an error by design once the socket is gone.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }
}
