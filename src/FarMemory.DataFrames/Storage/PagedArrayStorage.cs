using System.Runtime.InteropServices;
using FarMemory.Collections;
using FarMemory.Paging;

namespace FarMemory.DataFrames.Storage;

/// <summary>
/// A column in page-granular far memory (the paging baseline): fixed-size segments of one shared
/// <see cref="PagedMemory"/> region (see <see cref="PagedHeap"/>), read and written through its
/// page faults, read-around and replacement policy.
/// </summary>
internal sealed class PagedArrayStorage<T> : IColumnStorage<T>
    where T : unmanaged
{
    private const int SegmentShift = 16;
    private const long SegmentLength = 1L << SegmentShift;
    private const long SegmentMask = SegmentLength - 1;

    private static readonly long s_segmentBytes = SegmentLength * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    private static readonly int s_size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    private readonly PagedHeap _heap;
    private readonly List<long> _segments = [];
    private long _count;

    public PagedArrayStorage(PagedMemory region) => _heap = PagedHeap.Of(region);

    public long Count => _count;

    public RemVector<T>? Vector => null;

    public void Append(ReadOnlySpan<T> values)
    {
        while (!values.IsEmpty)
        {
            long offset = _count & SegmentMask;
            if (offset == 0 && _count >> SegmentShift == _segments.Count)
            {
                _segments.Add(_heap.Allocate(s_segmentBytes));
            }

            int n = (int)Math.Min(values.Length, SegmentLength - offset);
            _heap.Region.Write(Address(_count), MemoryMarshal.AsBytes(values[..n]));
            values = values[n..];
            _count += n;
        }
    }

    public void Read(long start, Span<T> destination)
    {
        CheckRange(start, destination.Length);
        while (!destination.IsEmpty)
        {
            int n = (int)Math.Min(destination.Length, SegmentLength - (start & SegmentMask));
            _heap.Region.Read(Address(start), MemoryMarshal.AsBytes(destination[..n]));
            destination = destination[n..];
            start += n;
        }
    }

    public void Write(long start, ReadOnlySpan<T> values)
    {
        CheckRange(start, values.Length);
        while (!values.IsEmpty)
        {
            int n = (int)Math.Min(values.Length, SegmentLength - (start & SegmentMask));
            _heap.Region.Write(Address(start), MemoryMarshal.AsBytes(values[..n]));
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

            destination[i] = _heap.Region.Read<T>(Address(index));
        }
    }

    public double LocalFraction() => 1;

    public void Dispose()
    {
        foreach (long segment in _segments)
        {
            _heap.Free(segment, s_segmentBytes);
        }

        _segments.Clear();
        _count = 0;
    }

    private long Address(long index) => _segments[(int)(index >> SegmentShift)] + ((index & SegmentMask) * s_size);

    private void CheckRange(long start, int length)
    {
        if (start < 0 || start + length > _count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"[{start}, {start + length}) is outside the column of {_count} values.");
        }
    }
}
