using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FarMemory.Pointers;

/// <summary>
/// The metadata words of one structure, one per object, in native chunks. Words never move (object
/// headers point back at them), so a table grows only by appending a chunk; existing chunks stay
/// where they are. A fixed-size table (<see cref="PointerTable(long)"/>) is one chunk holding every
/// word, so <see cref="Words"/> is the whole table and callers may index it directly. A growable
/// table (<see cref="CreateGrowable"/>) has chunks of a power-of-two word count, found by a shift
/// and a mask, so an index resolves in O(1) without a lock.
/// </summary>
/// <remarks>
/// Growth is serialized by the owner (the runtime holds no lock for it). Readers may run concurrently
/// with growth: a new chunk is fully initialized and entered in the chunk directory before
/// <see cref="Count"/> covers it (release), and a full directory is replaced by a copy of twice the
/// size before that, so a reader that checked an index against <see cref="Count"/> (acquire) finds an
/// initialized word. Doubling keeps appends amortized O(1) with small chunks.
/// </remarks>
internal sealed unsafe class PointerTable : IDisposable
{
    private readonly int _chunkShift;
    private readonly long _chunkMask;
    private ulong*[] _chunks;
    private int _chunkCount;
    private long _count;

    /// <summary>A fixed table of <paramref name="count"/> words in one chunk (uninitialized).</summary>
    public PointerTable(long count)
    {
        _chunkShift = 62;
        _chunkMask = (1L << 62) - 1;
        _chunks = [(ulong*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(ulong)), 64)];
        _chunkCount = 1;
        _count = count;
        Bytes = count * sizeof(ulong);
    }

    private PointerTable(int chunkWords)
    {
        _chunkShift = int.Log2(chunkWords);
        _chunkMask = chunkWords - 1;
        _chunks = [];
    }

    /// <summary>Words in one chunk of a growable table.</summary>
    public long ChunkWords => _chunkMask + 1;

    /// <summary>Words that exist; indexes below it are valid.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Native bytes held (what the budget was charged).</summary>
    public long Bytes { get; private set; }

    /// <summary>The first chunk: the whole table when it is fixed-size.</summary>
    public ulong* Words => _chunkCount == 0 ? null : _chunks[0];

    public ulong* this[long index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _chunks)[index >> _chunkShift] + (index & _chunkMask);
    }

    /// <summary>An empty table that grows by chunks of <paramref name="chunkWords"/> words (a power of two).</summary>
    public static PointerTable CreateGrowable(int chunkWords)
    {
        if (chunkWords <= 0 || !int.IsPow2(chunkWords))
        {
            throw new ArgumentOutOfRangeException(nameof(chunkWords), chunkWords, "A chunk holds a positive power of two of words.");
        }

        return new PointerTable(chunkWords);
    }

    /// <summary>
    /// Appends one chunk whose words are absent objects numbered on from <see cref="Count"/>. The
    /// caller has reserved <see cref="ChunkWords"/> words of budget and serializes growth.
    /// </summary>
    public void AppendChunk()
    {
        long chunkWords = _chunkMask + 1;
        long first = _count;
        var chunk = (ulong*)NativeMemory.AlignedAlloc((nuint)(chunkWords * sizeof(ulong)), 64);
        for (long i = 0; i < chunkWords; i++)
        {
            chunk[i] = MetadataWord.MakeAbsent(first + i, remote: false);
        }

        if (_chunkCount == _chunks.Length)
        {
            ulong*[] bigger = new ulong*[Math.Max(4, _chunks.Length * 2)];
            _chunks.CopyTo(bigger, 0);
            Volatile.Write(ref _chunks, bigger);
        }

        _chunks[_chunkCount++] = chunk;
        Bytes += chunkWords * sizeof(ulong);
        Volatile.Write(ref _count, first + chunkWords);
    }

    /// <summary>
    /// Frees the chunks; a second call does nothing. The chunk directory stays, so computing a
    /// word's address (which the fast path does before its scope check) never fails; the structure's
    /// retirement keeps every scope that could load through that address from doing so.
    /// </summary>
    public void Dispose()
    {
        int used = _chunkCount;
        _chunkCount = 0;
        for (int i = 0; i < used; i++)
        {
            NativeMemory.AlignedFree(_chunks[i]);
        }
    }
}
