using FarMemory.Collections;
using FarMemory.Paging;

namespace FarMemory.DataFrames.Storage;

/// <summary>
/// A column in page-granular far memory (the paging baseline): fixed-size
/// <see cref="PagedArray{T}"/> segments whose frames all come from one shared
/// <see cref="FramePool"/>, so every column of every frame shares one byte budget, as pages of one
/// process do.
/// </summary>
internal sealed class PagedArrayStorage<T> : IColumnStorage<T>
    where T : unmanaged
{
    private const int SegmentShift = 20;
    private const long SegmentLength = 1L << SegmentShift;
    private const long SegmentMask = SegmentLength - 1;

    private readonly FramePool _pool;
    private readonly PagingOptions _options;
    private readonly List<PagedArray<T>> _segments = [];
    private long _count;

    public PagedArrayStorage(FramePool pool, PagingOptions options)
    {
        _pool = pool;
        _options = options;
    }

    public long Count => _count;

    public RemVector<T>? Vector => null;

    public void Append(ReadOnlySpan<T> values)
    {
        while (!values.IsEmpty)
        {
            long offset = _count & SegmentMask;
            if (offset == 0 && _count >> SegmentShift == _segments.Count)
            {
                _segments.Add(new PagedArray<T>(SegmentLength, _pool, _options));
            }

            int n = (int)Math.Min(values.Length, SegmentLength - offset);
            _segments[(int)(_count >> SegmentShift)].CopyFrom(values[..n], offset);
            values = values[n..];
            _count += n;
        }
    }

    public void Read(long start, Span<T> destination)
    {
        CheckRange(start, destination.Length);
        while (!destination.IsEmpty)
        {
            long offset = start & SegmentMask;
            int n = (int)Math.Min(destination.Length, SegmentLength - offset);
            _segments[(int)(start >> SegmentShift)].CopyTo(offset, destination[..n]);
            destination = destination[n..];
            start += n;
        }
    }

    public void Write(long start, ReadOnlySpan<T> values)
    {
        CheckRange(start, values.Length);
        while (!values.IsEmpty)
        {
            long offset = start & SegmentMask;
            int n = (int)Math.Min(values.Length, SegmentLength - offset);
            _segments[(int)(start >> SegmentShift)].CopyFrom(values[..n], offset);
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

            destination[i] = _segments[(int)(index >> SegmentShift)].Read(index & SegmentMask);
        }
    }

    public double LocalFraction() => 1;

    public void Dispose()
    {
        foreach (PagedArray<T> segment in _segments)
        {
            segment.Dispose();
        }

        _segments.Clear();
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
