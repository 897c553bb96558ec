using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FarMemory.Paging;

/// <summary>
/// A fixed-length array of unmanaged values over a <see cref="PagedMemory"/>, with the Read/Write/scan
/// surface of <c>RemArray</c>, so one workload runs against both. All elements start as zero.
/// </summary>
/// <remarks>
/// No scope is needed: every call copies values in or out under the region's lock, so concurrent
/// reads and writes from many threads are safe, each element access is atomic, and a reference
/// into a page never escapes. Element i lives at byte offset i × sizeof(T); an element that straddles
/// two pages (when the page size is not a multiple of its size) touches both.
/// </remarks>
public sealed class PagedArray<T> : IDisposable
    where T : unmanaged
{
    private readonly bool _ownsMemory;

    /// <summary>An array with its own region and frame pool.</summary>
    public PagedArray(long length, PagingOptions? options = null)
        : this(new PagedMemory(Bytes(length), options), length, ownsMemory: true)
    {
    }

    /// <summary>An array with its own region whose frames come from a shared pool.</summary>
    public PagedArray(long length, FramePool pool, PagingOptions? options = null)
        : this(new PagedMemory(Bytes(length), pool, options), length, ownsMemory: true)
    {
    }

    private PagedArray(PagedMemory memory, long length, bool ownsMemory)
    {
        Memory = memory;
        Length = length;
        _ownsMemory = ownsMemory;
    }

    public long Length { get; }

    /// <summary>The region underneath: page size, policy, stats, frame quota.</summary>
    public PagedMemory Memory { get; }

    /// <summary>Elements in one page (the last one of a page may straddle into the next).</summary>
    public int ElementsPerPage => Math.Max(1, Memory.PageSize / Unsafe.SizeOf<T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Read(long index)
    {
        CheckIndex(index);
        return Memory.Read<T>(index * Unsafe.SizeOf<T>());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(long index, T value)
    {
        CheckIndex(index);
        Memory.Write(index * Unsafe.SizeOf<T>(), value);
    }

    /// <summary>Copies <paramref name="destination"/>.Length elements starting at <paramref name="start"/>.</summary>
    public void CopyTo(long start, Span<T> destination)
    {
        CheckRange(start, destination.Length);
        Memory.Read(start * Unsafe.SizeOf<T>(), MemoryMarshal.AsBytes(destination));
    }

    /// <summary>Copies <paramref name="source"/> into the array starting at <paramref name="start"/>.</summary>
    public void CopyFrom(ReadOnlySpan<T> source, long start)
    {
        CheckRange(start, source.Length);
        Memory.Write(start * Unsafe.SizeOf<T>(), MemoryMarshal.AsBytes(source));
    }

    /// <summary>A by-value scan that copies a page of elements at a time (one lock per page).</summary>
    public PagedArrayEnumerator<T> GetEnumerator() => new(this);

    public void Dispose()
    {
        if (_ownsMemory)
        {
            Memory.Dispose();
        }
    }

    private static long Bytes(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return checked(length * Unsafe.SizeOf<T>());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckIndex(long index)
    {
        if ((ulong)index >= (ulong)Length)
        {
            ThrowIndex(index);
        }
    }

    private void CheckRange(long start, int count)
    {
        if (start < 0 || start > Length - count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(start), start, $"[{start}, {start + count}) is outside the array of length {Length}.");
        }
    }

    private void ThrowIndex(long index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"Index must be in [0, {Length}).");
}
