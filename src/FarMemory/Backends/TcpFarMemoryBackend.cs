using System.Net;
using FarMemory.Backends.Tcp;
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
        IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new FarMemoryUnavailableException($"Cannot resolve {host}.");
        }

        return await ConnectAsync(new IPEndPoint(addresses[0], port), options, cancellationToken).ConfigureAwait(false);
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
        PendingRequest request = connection.Rent();
        request.Keys = keys;
        request.Destinations = destinations;
        request.Lengths = lengths;
        return Discard(connection.Send(request, OpCode.ReadBatch, cancellationToken));
    }

    public ValueTask WriteBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<ReadOnlyMemory<byte>> sources,
        CancellationToken cancellationToken = default)
    {
        CheckBatch(keys.Length, sources.Length);
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        request.Keys = keys;
        request.Sources = sources;
        return Discard(connection.Send(request, OpCode.WriteBatch, cancellationToken));
    }

    public ValueTask<int> RemoveBatchAsync(ReadOnlyMemory<FarObjectKey> keys, CancellationToken cancellationToken = default)
    {
        TcpConnection connection = Pick();
        PendingRequest request = connection.Rent();
        request.Keys = keys;
        return connection.Send(request, OpCode.RemoveBatch, cancellationToken);
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

    public async ValueTask DisposeAsync()
    {
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
