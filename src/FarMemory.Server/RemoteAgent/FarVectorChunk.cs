namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// The elements of one object of a vector, read in place in the store: the object's lock is held
/// until <see cref="Dispose"/>, so use the span briefly and dispose it (a <c>using</c>) before
/// reading another structure or writing: an operation holds chunks of one structure at a time.
/// </summary>
public ref struct FarVectorChunk<T>
    where T : unmanaged
{
    private object? _lock;
    private FarCallContext? _context;

    internal FarVectorChunk(ReadOnlySpan<T> span, long start, object? heldLock, FarCallContext? context)
    {
        Span = span;
        Start = start;
        _lock = heldLock;
        _context = context;
    }

    /// <summary>The elements (absent objects read as zeros; the last object stops at the vector's length).</summary>
    public ReadOnlySpan<T> Span { get; }

    /// <summary>Index of <see cref="Span"/>[0] in the vector.</summary>
    public long Start { get; }

    public void Dispose()
    {
        if (_lock != null)
        {
            _context!.ExitLock(_lock);
            _lock = null;
            _context = null;
        }
    }
}
