using System.Runtime.CompilerServices;

namespace FarMemory.Collections;

/// <summary>
/// The enumerator of <see cref="RemArray{T}"/> and <see cref="RemVector{T}"/>: one dereference
/// per object, then a walk through that object's elements, so the per-element cost is a pointer
/// increment and a compare. It holds its own scope for one object at a time (see
/// <see cref="ObjectWindow{T}"/>); elements are yielded by reference and valid until the next
/// <see cref="MoveNext"/>.
/// </summary>
public unsafe ref struct ObjectScan<T>
    where T : unmanaged
{
    private readonly FarStructure _structure;
    private readonly long _length;
    private readonly int _shift;
    private readonly bool _nonTemporal;
    private ObjectWindow<T> _window;
    private ref T _cursor;
    private ref T _end;
    private long _nextObject;

    internal ObjectScan(FarStructure structure, long length, int shift, bool nonTemporal)
    {
        _structure = structure;
        _length = length;
        _shift = shift;
        _nonTemporal = nonTemporal;
        _window = default;
        _cursor = ref Unsafe.NullRef<T>();
        _end = ref Unsafe.NullRef<T>();
        _nextObject = 0;
    }

    public readonly ref readonly T Current => ref _cursor;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MoveNext()
    {
        _cursor = ref Unsafe.Add(ref _cursor, 1);
        return Unsafe.IsAddressLessThan(ref _cursor, ref _end) || NextObject();
    }

    private bool NextObject()
    {
        Release();
        long first = _nextObject << _shift;
        if (first >= _length)
        {
            return false;
        }

        T* data = _window.Open(_structure, _structure.Table[_nextObject], _nonTemporal);
        _nextObject++;
        _cursor = ref *data;
        _end = ref *(data + Math.Min(1L << _shift, _length - first));
        return true;
    }

    public void Dispose() => Release();

    private void Release()
    {
        _window.Close();
        _cursor = ref Unsafe.NullRef<T>();
        _end = ref Unsafe.NullRef<T>();
    }
}
