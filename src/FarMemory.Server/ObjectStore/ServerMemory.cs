namespace FarMemory.Server.ObjectStore;

/// <summary>
/// The server-wide accounts: <see cref="Charged"/> is the hard cap every session's charges go
/// against (data plus metadata), <see cref="DataBytes"/> the object bytes alone, as Stats reports them.
/// </summary>
internal sealed class ServerMemory
{
    private long _data;

    public ServerMemory(long maxBytes) => Charged = new MemoryQuota(maxBytes);

    public MemoryQuota Charged { get; }

    public long DataBytes => Volatile.Read(ref _data);

    public void AddData(long bytes) => Interlocked.Add(ref _data, bytes);
}
