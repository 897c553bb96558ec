using System.Buffers;
using System.Runtime.InteropServices;
using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// A vector argument the operation writes. Writes are staged a whole object at a time (copied from
/// the store on first touch) and committed all together, with the call's other writes, only when
/// the operation returns; a call that fails or times out leaves the store unchanged.
/// </summary>
public sealed class FarVectorWriter<T> : IStagedWriter
    where T : unmanaged
{
    private readonly StoredStructure _structure;
    private readonly FarCallContext _context;
    private readonly bool _fixedLength;
    private readonly int _objectBytes;
    private readonly Dictionary<long, byte[]> _staged = new();

    internal FarVectorWriter(StoredStructure structure, int structureId, int index, FarStructureInfo info, FarCallContext context)
    {
        _structure = structure;
        _context = context;
        StructureId = structureId;
        Index = index;
        Length = info.Length;
        InitialLength = info.Length;
        ElementsPerObject = info.ElementsPerObject;
        _fixedLength = info.FixedLength;
        _objectBytes = checked(info.ElementsPerObject * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
    }

    /// <summary>The vector's length as the call leaves it.</summary>
    public long Length { get; private set; }

    public int ElementsPerObject { get; }

    internal int StructureId { get; }

    int IStagedWriter.Index => Index;

    internal int Index { get; }

    internal long InitialLength { get; }

    long IStagedWriter.FirstTouched => FirstTouched;

    long IStagedWriter.EndTouched => EndTouched;

    bool IStagedWriter.Changed => Changed;

    internal long FirstTouched { get; private set; } = long.MaxValue;

    internal long EndTouched { get; private set; }

    internal bool Changed => _staged.Count != 0 || Length != InitialLength;

    internal int StagedCount => _staged.Count;

    /// <summary>Sets the element at <paramref name="index"/> (below <see cref="Length"/>).</summary>
    public T this[long index]
    {
        set
        {
            if ((ulong)index >= (ulong)Length)
            {
                throw new FarOperationArgumentException($"Index {index} is outside the vector of {Length} elements.");
            }

            Elements(index / ElementsPerObject)[(int)(index % ElementsPerObject)] = value;
        }
    }

    /// <summary>Writes <paramref name="values"/> from <paramref name="start"/> (within <see cref="Length"/>).</summary>
    public void Write(long start, ReadOnlySpan<T> values)
    {
        if (start < 0 || start + values.Length > Length)
        {
            throw new FarOperationArgumentException($"[{start}, {start + values.Length}) is outside the vector of {Length} elements.");
        }

        while (!values.IsEmpty)
        {
            long o = start / ElementsPerObject;
            int offset = (int)(start % ElementsPerObject);
            int n = Math.Min(values.Length, ElementsPerObject - offset);
            values[..n].CopyTo(Elements(o)[offset..]);
            values = values[n..];
            start += n;
        }
    }

    /// <summary>Appends <paramref name="values"/> (a vector only; an array's length is fixed).</summary>
    public void Append(ReadOnlySpan<T> values)
    {
        long start = Length;
        SetLength(Length + values.Length);
        Write(start, values);
    }

    public void Append(T value)
    {
        SetLength(Length + 1);
        this[Length - 1] = value;
    }

    /// <summary>Sets the length (a vector only): new elements read as zeros.</summary>
    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_fixedLength && length != Length)
        {
            throw new FarOperationArgumentException("The structure is a fixed-length array: its length cannot change.");
        }

        if (length > Length && Length % ElementsPerObject != 0)
        {
            // The tail of the last object past the old length must read as zeros once it is inside.
            long o = Length / ElementsPerObject;
            Elements(o)[(int)(Length % ElementsPerObject)..].Clear();
        }

        Length = length;
    }

    /// <summary>The staged elements of object <paramref name="objectIndex"/>, copied from the store on first touch.</summary>
    private Span<T> Elements(long objectIndex)
    {
        ref byte[]? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_staged, objectIndex, out bool exists);
        if (!exists)
        {
            try
            {
                _context.CheckNoChunkHeld();
            }
            catch
            {
                _staged.Remove(objectIndex);
                throw;
            }

            try
            {
                _context.ChargeStaged(_objectBytes);
            }
            catch
            {
                _staged.Remove(objectIndex);
                throw;
            }

            byte[] buffer = ArrayPool<byte>.Shared.Rent(_objectBytes);
            Span<byte> target = buffer.AsSpan(0, _objectBytes);
            target.Clear();
            lock (_structure.SyncRoot)
            {
                if (_structure.TryGet(objectIndex, out ReadOnlySpan<byte> stored))
                {
                    stored[..Math.Min(stored.Length, _objectBytes)].CopyTo(target);
                }
            }

            slot = buffer;
            FirstTouched = Math.Min(FirstTouched, objectIndex);
            EndTouched = Math.Max(EndTouched, objectIndex + 1);
        }

        return MemoryMarshal.Cast<byte, T>(slot!.AsSpan(0, _objectBytes));
    }

    /// <summary>Adds the staged objects to a commit batch.</summary>
    void IStagedWriter.AddTo(List<WriteItem> items)
    {
        foreach (KeyValuePair<long, byte[]> entry in _staged)
        {
            items.Add(new WriteItem(StructureId, entry.Key, new ReadOnlySequence<byte>(entry.Value, 0, _objectBytes)));
        }
    }

    /// <summary>Returns the staging buffers.</summary>
    void IStagedWriter.Release()
    {
        foreach (byte[] buffer in _staged.Values)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _staged.Clear();
    }

}
