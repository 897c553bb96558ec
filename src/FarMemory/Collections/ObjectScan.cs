using System.Runtime.CompilerServices;

namespace FarMemory.Collections;

/// <summary>
/// The enumerator of <see cref="RemArray{T}"/> and <see cref="RemVector{T}"/>: one dereference per
/// object, then a walk through that object's elements, so the per-element cost is a pointer
/// increment and a compare, as over a span. Each object is read in a scope of its own (see
/// <see cref="ScanWindow"/>); elements are yielded by reference and valid until the next
/// <see cref="MoveNext"/>.
/// </summary>
public unsafe ref struct ObjectScan<T>
    where T : unmanaged
{
    private ref T _cursor;
    private ref T _end;
    private readonly ScanWindow _window;
    private readonly int _rental;

    internal ObjectScan(FarStructure structure, long length, int shift, bool nonTemporal)
    {
        _window = ScanWindow.Rent(structure, length, shift, nonTemporal);
        _rental = _window.Rental;
        _cursor = ref Unsafe.NullRef<T>();
        _end = ref Unsafe.NullRef<T>();
    }

    public readonly ref readonly T Current => ref _cursor;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MoveNext()
    {
        _cursor = ref Unsafe.Add(ref _cursor, 1);
        if (Unsafe.IsAddressLessThan(ref _cursor, ref _end))
        {
            return true;
        }

        // Returned by value (in two registers), so the enumerator's address is never taken.
        ObjectElements<T> next = NextObject(_window);
        _cursor = ref next.First;
        _end = ref next.End;
        return !Unsafe.IsNullRef(ref _cursor);
    }

    /// <summary>Ends the scan's scope; a second call does nothing.</summary>
    public readonly void Dispose() => _window.Return(_rental);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ObjectElements<T> NextObject(ScanWindow window)
    {
        window.Close();
        long first = window.NextObject << window.Shift;
        if (first >= window.Length)
        {
            return default;
        }

        var data = (T*)window.Open(window.Structure!.Table[window.NextObject], window.NonTemporal);
        window.NextObject++;
        return new ObjectElements<T>(ref *data, ref *(data + Math.Min(1L << window.Shift, window.Length - first)));
    }
}
