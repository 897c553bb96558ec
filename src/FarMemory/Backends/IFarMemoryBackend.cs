using FarMemory.Offload;

namespace FarMemory.Backends;

/// <summary>
/// Where objects go when they leave local memory. Implementations copy bytes: the runtime hands out
/// slices of its native heap and expects them untouched once a call completes.
/// </summary>
/// <remarks>
/// Calls may run concurrently from many threads. An object read before it was ever written is
/// "not found" (length -1), which the runtime treats as all zeros for structures that allow it.
/// Failures to reach the store surface as <see cref="FarMemoryUnavailableException"/>.
/// </remarks>
public interface IFarMemoryBackend : IAsyncDisposable
{
    /// <summary>Declares a structure id before objects are stored under it.</summary>
    ValueTask CreateStructureAsync(int structureId, CancellationToken cancellationToken = default);

    /// <summary>Drops a structure and every object stored under it.</summary>
    ValueTask DropStructureAsync(int structureId, CancellationToken cancellationToken = default);

    /// <summary>Copies an object into <paramref name="destination"/>; returns its length, or -1 if absent.</summary>
    ValueTask<int> ReadAsync(FarObjectKey key, Memory<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>Stores a copy of <paramref name="source"/> under <paramref name="key"/>, replacing any earlier one.</summary>
    ValueTask WriteAsync(FarObjectKey key, ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default);

    /// <summary>Removes an object; returns whether it existed.</summary>
    ValueTask<bool> RemoveAsync(FarObjectKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads many objects in one round trip. <paramref name="lengths"/>[i] receives the length of
    /// object i, or -1 if it is absent.
    /// </summary>
    ValueTask ReadBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<Memory<byte>> destinations,
        Memory<int> lengths,
        CancellationToken cancellationToken = default);

    /// <summary>Writes many objects in one round trip; all or, on failure, an unknown subset is stored.</summary>
    ValueTask WriteBatchAsync(
        ReadOnlyMemory<FarObjectKey> keys,
        ReadOnlyMemory<ReadOnlyMemory<byte>> sources,
        CancellationToken cancellationToken = default);

    /// <summary>Removes many objects in one round trip; returns how many existed.</summary>
    ValueTask<int> RemoveBatchAsync(ReadOnlyMemory<FarObjectKey> keys, CancellationToken cancellationToken = default);

    /// <summary>What the store holds for this client.</summary>
    ValueTask<FarBackendStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>The remote-agent operations the store runs next to the data; none unless it is a far-memory server.</summary>
    ValueTask<IReadOnlyList<FarOperationInfo>> ListOperationsAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<FarOperationInfo>>([]);

    /// <summary>
    /// Runs an operation on the store: <paramref name="request"/> is a Call payload
    /// (<see cref="Protocol.CallFormat"/>), the answer is the Call answer's payload. Failures surface
    /// as <see cref="FarOperationException"/> and its subclasses.
    /// </summary>
    ValueTask<byte[]> CallAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default) =>
        ValueTask.FromException<byte[]>(new FarOperationNotFoundException($"{GetType().Name} runs no operations: offloading needs a far-memory server."));
}
