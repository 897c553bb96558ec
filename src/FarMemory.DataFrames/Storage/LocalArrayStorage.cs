using FarMemory.Collections;

namespace FarMemory.DataFrames.Storage;

/// <summary>
/// A column in managed arrays of fixed-size chunks (the all-local baseline): the same operators
/// as over far memory, with every value local, and growth that never copies what is there.
/// </summary>
internal sealed class LocalArrayStorage<T> : IColumnStorage<T>
    where T : unmanaged
{
    private const int ChunkShift = 16;
    private const int ChunkLength = 1 << ChunkShift;
    private const int ChunkMask = ChunkLength - 1;

    private readonly List<T[]> _chunks = [];
    private long _count;

    public long Count => _count;

    public RemVector<T>? Vector => null;

    public void Append(ReadOnlySpan<T> values)
    {
        while (!values.IsEmpty)
        {
            int offset = (int)(_count & ChunkMask);
            if (offset == 0 && _count >> ChunkShift == _chunks.Count)
            {
                _chunks.Add(new T[ChunkLength]);
            }

            int n = Math.Min(values.Length, ChunkLength - offset);
            values[..n].CopyTo(_chunks[(int)(_count >> ChunkShift)].AsSpan(offset, n));
            values = values[n..];
            _count += n;
        }
    }

    public void Read(long start, Span<T> destination)
    {
        CheckRange(start, destination.Length);
        while (!destination.IsEmpty)
        {
            int offset = (int)(start & ChunkMask);
            int n = Math.Min(destination.Length, ChunkLength - offset);
            _chunks[(int)(start >> ChunkShift)].AsSpan(offset, n).CopyTo(destination);
            destination = destination[n..];
            start += n;
        }
    }

    public void Write(long start, ReadOnlySpan<T> values)
    {
        CheckRange(start, values.Length);
        while (!values.IsEmpty)
        {
            int offset = (int)(start & ChunkMask);
            int n = Math.Min(values.Length, ChunkLength - offset);
            values[..n].CopyTo(_chunks[(int)(start >> ChunkShift)].AsSpan(offset, n));
            values = values[n..];
            start += n;
        }
    }

    public void Gather(ReadOnlySpan<long> indices, Span<T> destination)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            long index = indices[i];
            if ((ulong)index >= (ulong)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Index must be in [0, {_count}).");
            }

            destination[i] = _chunks[(int)(index >> ChunkShift)][index & ChunkMask];
        }
    }

    public double LocalFraction() => 1;

    public void Dispose()
    {
        _chunks.Clear();
        _count = 0;
    }

    private void CheckRange(long start, int length)
    {
        if (start < 0 || start + length > _count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"[{start}, {start + length}) is outside the column of {_count} values.");
        }
    }
}
