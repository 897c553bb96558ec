namespace FarMemory.Backends;

/// <summary>
/// A backend that can also block for an answer without going through an awaitable. The runtime's
/// miss path must block (a dereference returns a ref), so it uses this when offered: the waiting
/// thread is woken directly by the backend, saving a thread-pool hop and an allocation per miss.
/// </summary>
internal interface ISynchronousFarMemoryBackend
{
    /// <summary>Like <see cref="IFarMemoryBackend.ReadAsync"/>, blocking.</summary>
    int Read(FarObjectKey key, Memory<byte> destination);
}
