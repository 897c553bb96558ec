using System.Buffers;

namespace FarMemory.Paging;

/// <summary>
/// Scans a <see cref="PagedArray{T}"/> a page of elements at a time into a pooled buffer, so a scan
/// takes the region's lock once per page rather than once per element and allocates nothing.
/// Elements written by other threads during a scan may or may not be seen, page by page.
/// </summary>
public struct PagedArrayEnumerator<T> : IDisposable
    where T : unmanaged
{
    private readonly PagedArray<T> _array;
    private T[]? _buffer;
    private int _position;
    private int _count;
    private long _next;

    internal PagedArrayEnumerator(PagedArray<T> array)
    {
        _array = array;
        _buffer = null;
        _position = -1;
        _count = 0;
        _next = 0;
    }

    public readonly T Current => _buffer![_position];

    public bool MoveNext()
    {
        if (++_position < _count)
        {
            return true;
        }

        if (_next >= _array.Length)
        {
            return false;
        }

        int chunk = _array.ElementsPerPage;
        _buffer ??= ArrayPool<T>.Shared.Rent(chunk);
        _count = (int)Math.Min(chunk, _array.Length - _next);
        _array.CopyTo(_next, _buffer.AsSpan(0, _count));
        _next += _count;
        _position = 0;
        return true;
    }

    public void Dispose()
    {
        if (_buffer != null)
        {
            ArrayPool<T>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
