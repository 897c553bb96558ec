using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FarMemory.Backends.Tcp;
using FarMemory.Offload;
using FarMemory.Protocol;

namespace FarMemory.Backends;

/// <summary>
/// The far-memory backend that talks to a <c>FarMemory.Server</c> over TCP: requests are pipelined
/// (many in flight per connection, matched by request id), batches travel as one frame, and every
/// call has a timeout. All connections of one backend share a server session, so they see the same
/// objects and nobody else's.
/// </summary>
/// <remarks>
/// When a connection drops, its requests in flight and all later ones fail with
/// <see cref="FarMemoryUnavailableException"/>; a runtime using this backend keeps serving the objects
/// it holds locally. The hot path allocates nothing: requests are pooled and awaited as
/// <see cref="ValueTask{TResult}"/> over <see cref="System.Threading.Tasks.Sources.IValueTaskSource{TResult}"/>.
/// </remarks>
public sealed class TcpFarMemoryBackend : IFarMemoryBackend, ISynchronousFarMemoryBackend
{
    private readonly TcpConnection[] _connections;
    private int _next;
    private int _disposed;

    private TcpFarMemoryBackend(TcpConnection[] connections, EndPoint endPoint)
    {
        _connections = connections;
        EndPoint = endPoint;
    }

    /// <summary>The server this backend talks to.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>Connects to a server at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static async Task<TcpFarMemoryBackend> ConnectAsync(string host, int port, TcpFarMemoryBackendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new FarMemoryUnavailableException($"Cannot resolve the far-memory server's host '{host}' (port {port}): {e.Message}.", e);
        }

        if (addresses.Length == 0)
        {
            throw new FarMemoryUnavailableException($"Cannot resolve the far-memory server's host '{host}' (port {port}): no addresses.");
        }

        // A name can resolve to several addresses (IPv6 and IPv4, several hosts): try each in turn,
        // as a browser would, and report the last failure if none answers.
        FarMemoryUnavailableException? unreachable = null;
        foreach (IPAddress address in addresses)
        {
            try
            {
                return await ConnectAsync(new IPEndPoint(address, port), options, cancellationToken).ConfigureAwait(false);
            }
            catch (FarMemoryUnavailableException e)
            {
                unreachable = e;
            }
        }

        throw new FarMemoryUnavailableException($"Cannot connect to the far-memory server at {host}:{port} (tried {addresses.Length} address(es)): {unreachable!.Message}", unreachable);
    }

    /// <summary>Connects to a server at <paramref name="endPoint"/>.</summary>
    public static async Task<TcpFarMemoryBackend> ConnectAsync(EndPoint endPoint, TcpFarMemoryBackendOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TcpFarMemoryBackendOptions();
        options.Validate();
        var connections = new TcpConnection[options.Connections];
        try
        {
            connections[0] = await TcpConnection.ConnectAsync(endPoint, options, null, cancellationToken).ConfigureAwait(false);
            for (int i = 1; i < connections.Length; i++)
            {
                connections[i] = await TcpConnection.ConnectAsync(endPoint, options, connections[0].SessionKey, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (TcpConnection? connection in connections)
            {
                if (connection != null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }

            throw;
        }

        return new TcpFarMemoryBackend(connections, endPoint);
    }

    public ValueTask CreateStructureAsync(int structureId, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        request.StructureId = structureId;
        return Discard(connection.Send(request, OpCode.CreateStructure, cancellationToken));
    }

    public ValueTask DropStructureAsync(int structureId, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        request.StructureId = structureId;
        return Discard(connection.Send(request, OpCode.DropStructure, cancellationToken));
    }

    public ValueTask<int> ReadAsync(FarObjectKey key, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        request.Key = key;
        request.Destination = destination;
        return connection.Send(request, OpCode.Read, cancellationToken);
    }

    int ISynchronousFarMemoryBackend.Read(FarObjectKey key, Memory<byte> destination)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        request.Key = key;
        request.Destination = destination;
        return connection.SendAndWait(request, OpCode.Read);
    }

    public ValueTask WriteAsync(FarObjectKey key, ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        CheckObjectFits(connection, key, source.Length);
        PendingRequest request = connection.Rent();
        request.Key = key;
        request.Source = source;
        return Discard(connection.Send(request, OpCode.Write, cancellationToken));
    }

    public async ValueTask<bool> RemoveAsync(FarObjectKey key, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        request.Key = key;
        return await connection.Send(request, OpCode.Remove, cancellationToken).ConfigureAwait(false) == 1;
    }

    public ValueTask ReadBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<Memory<byte>> destinations,
        Memory<int> lengths,
        CancellationToken cancellationToken = default)
    {
        CheckBatch(keys.Length, destinations.Length);
        if (lengths.Length < keys.Length)
        {
            throw new ArgumentException("A batch needs one length slot per key.", nameof(lengths));
        }

        TcpConnection connection = Pick();
        int end = ReadChunkEnd(connection, destinations.Span, 0);
        if (end < keys.Length)
        {
            return ReadInChunksAsync(connection, keys, destinations, lengths, cancellationToken);
        }

        return Discard(SendReadBatch(connection, keys, destinations, lengths, cancellationToken));
    }

    /// <summary>
    /// A batch whose answer would not fit the negotiated frame (or that has more keys than the server
    /// takes) goes as several frames, all in flight at once.
    /// </summary>
    private static async ValueTask ReadInChunksAsync(
        TcpConnection connection,
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<Memory<byte>> destinations,
        Memory<int> lengths,
        CancellationToken cancellationToken)
    {
        var answers = new List<ValueTask<int>>();
        for (int start = 0; start < keys.Length;)
        {
            int end = ReadChunkEnd(connection, destinations.Span, start);
            answers.Add(SendReadBatch(connection, keys[start..end], destinations[start..end], lengths[start..end], cancellationToken));
            start = end;
        }

        await AwaitAllAsync(answers).ConfigureAwait(false);
    }

    private static ValueTask<int> SendReadBatch(TcpConnection connection, ReadOnlyMemory<FarObjectKey> keys, ReadOnlyMemory<Memory<byte>> destinations, Memory<int> lengths, CancellationToken cancellationToken)
    {
        PendingRequest request = connection.Rent();
        request.Keys = keys;
        request.Destinations = destinations;
        request.Lengths = lengths;
        return connection.Send(request, OpCode.ReadBatch, cancellationToken);
    }

    /// <summary>Where a read batch from <paramref name="start"/> must end so request and answer fit (at least one key).</summary>
    private static int ReadChunkEnd(TcpConnection connection, ReadOnlySpan<Memory<byte>> destinations, int start)
    {
        long request = sizeof(int);
        long answer = 0;
        int end = start;
        while (end < destinations.Length && end - start < connection.MaxBatchItems)
        {
            request += ProtocolConstants.KeySize;
            answer += sizeof(int) + destinations[end].Length;
            if (end > start && (request > connection.MaxPayload || answer > connection.MaxPayload))
            {
                break;
            }

            end++;
        }

        return end;
    }

    /// <summary>Where a write batch from <paramref name="start"/> must end so its frame fits (at least one item).</summary>
    private static int WriteChunkEnd(TcpConnection connection, ReadOnlySpan<ReadOnlyMemory<byte>> sources, int start)
    {
        long request = sizeof(int);
        int end = start;
        while (end < sources.Length && end - start < connection.MaxBatchItems)
        {
            request += ProtocolConstants.KeySize + sizeof(int) + sources[end].Length;
            if (end > start && request > connection.MaxPayload)
            {
                break;
            }

            end++;
        }

        return end;
    }

    private static async ValueTask AwaitAllAsync(List<ValueTask<int>> answers)
    {
        Exception? first = null;
        foreach (ValueTask<int> answer in answers)
        {
            try
            {
                await answer.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }

        if (first != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    private static void CheckObjectFits(TcpConnection connection, FarObjectKey key, int length)
    {
        if ((long)ProtocolConstants.KeySize + sizeof(int) + sizeof(int) + length > connection.MaxPayload)
        {
            throw new FarMemoryException(
                $"Object {key} is {length} bytes, over the {connection.MaxPayload}-byte frame payload this server takes (its --max-frame); use smaller objects or raise the server's limit.");
        }
    }

    public ValueTask WriteBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<ReadOnlyMemory<byte>> sources,
        CancellationToken cancellationToken = default)
    {
        CheckBatch(keys.Length, sources.Length);
        TcpConnection connection = Pick();
        for (int i = 0; i < keys.Length; i++)
        {
            CheckObjectFits(connection, keys.Span[i], sources.Span[i].Length);
        }

        if (WriteChunkEnd(connection, sources.Span, 0) < keys.Length)
        {
            return WriteInChunksAsync(connection, keys, sources, cancellationToken);
        }

        PendingRequest request = connection.Rent();
        request.Keys = keys;
        request.Sources = sources;
        return Discard(connection.Send(request, OpCode.WriteBatch, cancellationToken));
    }

    /// <summary>A batch over the negotiated frame goes as several frames; each is all or nothing on the server, the whole is not.</summary>
    private static async ValueTask WriteInChunksAsync(TcpConnection connection, ReadOnlyMemory<FarObjectKey> keys, ReadOnlyMemory<ReadOnlyMemory<byte>> sources, CancellationToken cancellationToken)
    {
        var answers = new List<ValueTask<int>>();
        for (int start = 0; start < keys.Length;)
        {
            int end = WriteChunkEnd(connection, sources.Span, start);
            PendingRequest request = connection.Rent();
            request.Keys = keys[start..end];
            request.Sources = sources[start..end];
            answers.Add(connection.Send(request, OpCode.WriteBatch, cancellationToken));
            start = end;
        }

        await AwaitAllAsync(answers).ConfigureAwait(false);
    }

    public ValueTask<int> RemoveBatchAsync(ReadOnlyMemory<FarObjectKey> keys, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        int chunk = Math.Min(connection.MaxBatchItems, (connection.MaxPayload - sizeof(int)) / ProtocolConstants.KeySize);
        if (keys.Length > chunk)
        {
            return RemoveInChunksAsync(connection, keys, chunk, cancellationToken);
        }

        PendingRequest request = connection.Rent();
        request.Keys = keys;
        return connection.Send(request, OpCode.RemoveBatch, cancellationToken);
    }

    private static async ValueTask<int> RemoveInChunksAsync(TcpConnection connection, ReadOnlyMemory<FarObjectKey> keys, int chunk, CancellationToken cancellationToken)
    {
        var answers = new List<ValueTask<int>>();
        for (int start = 0; start < keys.Length; start += chunk)
        {
            PendingRequest request = connection.Rent();
            request.Keys = keys.Slice(start, Math.Min(chunk, keys.Length - start));
            answers.Add(connection.Send(request, OpCode.RemoveBatch, cancellationToken));
        }

        int removed = 0;
        Exception? first = null;
        foreach (ValueTask<int> answer in answers)
        {
            try
            {
                removed += await answer.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                first ??= e;
            }
        }

        if (first != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }

        return removed;
    }

    public async ValueTask<IReadOnlyList<FarOperationInfo>> ListOperationsAsync(CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        var sink = new StrongBox<byte[]?>();
        request.ResponseSink = sink;
        try
        {
            await connection.Send(request, OpCode.ListOperations, cancellationToken).ConfigureAwait(false);
        }
        catch (FarMemoryProtocolException e) when (e.Status == FrameStatus.UnknownOpCode)
        {
            return [];
        }

        return CallCodec.ReadOperationList(sink.Value!);
    }

    public async ValueTask<byte[]> CallAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        if (request.Length > connection.MaxPayload)
        {
            throw new FarOperationArgumentException($"The call's request is {request.Length} bytes, over the server's max frame payload of {connection.MaxPayload}.");
        }

        PendingRequest pending = connection.Rent();
        var sink = new StrongBox<byte[]?>();
        pending.ResponseSink = sink;
        pending.Source = request;
        await connection.Send(pending, OpCode.Call, cancellationToken).ConfigureAwait(false);
        return sink.Value!;
    }

    public async ValueTask<FarBackendStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        ValueTask<int> answer = connection.Send(request, OpCode.Stats, cancellationToken);

        // The stats land in the request before it completes. It is back in the pool by now, but a
        // new renter can only overwrite them with another Stats answer, a network round trip later.
        await answer.ConfigureAwait(false);
        return request.Stats;
    }

    /// <summary>
    /// Sends <paramref name="payload"/> and waits for the server to echo it: the protocol's own round
    /// trip. Returns the echoed length.
    /// </summary>
    public ValueTask<int> PingAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        request.Source = payload;
        return connection.Send(request, OpCode.Ping, cancellationToken);
    }

    /// <summary>Closes every connection; a second call (the owner and a region that owns the backend both disposing it) is a no-op.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (TcpConnection connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private TcpConnection Pick() =>
        _connections.Length == 1 ? _connections[0] : _connections[(int)((uint)Interlocked.Increment(ref _next) % (uint)_connections.Length)];

    private static ValueTask Discard(ValueTask<int> answer)
    {
        if (answer.IsCompletedSuccessfully)
        {
            _ = answer.Result;
            return ValueTask.CompletedTask;
        }

        return Await(answer);

        static async ValueTask Await(ValueTask<int> answer) => await answer.ConfigureAwait(false);
    }

    private static void CheckBatch(int keys, int buffers)
    {
        if (keys != buffers)
        {
            throw new ArgumentException($"A batch needs one buffer per key ({keys} keys, {buffers} buffers).");
        }
    }
}
