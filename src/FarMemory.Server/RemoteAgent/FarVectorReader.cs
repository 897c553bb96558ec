using System.Runtime.InteropServices;
using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// A vector argument read in place: object i of the caller's structure holds elements
/// [i·<see cref="ElementsPerObject"/>, (i+1)·<see cref="ElementsPerObject"/>). Reads see the store
/// as committed; the call's own staged writes become visible only after it succeeds.
/// </summary>
public sealed class FarVectorReader<T>
    where T : unmanaged
{
    private readonly StoredStructure _structure;
    private readonly FarCallContext _context;
    private T[]? _zeros;
    private T[]? _scratch;

    internal FarVectorReader(StoredStructure structure, FarStructureInfo info, FarCallContext context)
    {
        _structure = structure;
        _context = context;
        Length = info.Length;
        ElementsPerObject = info.ElementsPerObject;
    }

    public long Length { get; }

    public int ElementsPerObject { get; }

    /// <summary>Objects covering <see cref="Length"/> elements.</summary>
    public long ObjectCount => (Length + ElementsPerObject - 1) / ElementsPerObject;

    /// <summary>The elements of object <paramref name="objectIndex"/>, in place, with its lock held until the chunk is disposed.</summary>
    public FarVectorChunk<T> Chunk(long objectIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(objectIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(objectIndex, ObjectCount);
        long start = objectIndex * ElementsPerObject;
        int count = (int)Math.Min(ElementsPerObject, Length - start);
        _context.EnterLock(_structure.SyncRoot);
        bool handedOver = false;
        try
        {
            if (!_structure.TryGet(objectIndex, out ReadOnlySpan<byte> bytes))
            {
                _zeros ??= new T[ElementsPerObject];
                return new FarVectorChunk<T>(_zeros.AsSpan(0, count), start, null, null);
            }

            ReadOnlySpan<T> elements = MemoryMarshal.Cast<byte, T>(bytes);
            if (bytes.Length % System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != 0 || elements.Length > ElementsPerObject)
            {
                throw new FarOperationArgumentException(
                    $"Object {objectIndex} of the structure is {bytes.Length} bytes, not a vector object of {ElementsPerObject} {typeof(T).Name} elements.");
            }

            if (elements.Length < count)
            {
                // A short object (never the case for vectors the runtime writes): copy and pad with zeros.
                _scratch ??= new T[ElementsPerObject];
                _scratch.AsSpan().Clear();
                elements.CopyTo(_scratch);
                return new FarVectorChunk<T>(_scratch.AsSpan(0, count), start, null, null);
            }

            handedOver = true;
            return new FarVectorChunk<T>(elements[..count], start, _structure.SyncRoot, _context);
        }
        finally
        {
            if (!handedOver)
            {
                _context.ExitLock(_structure.SyncRoot);
            }
        }
    }

    /// <summary>Copies <paramref name="destination"/>.Length elements from <paramref name="start"/>.</summary>
    public void CopyTo(long start, Span<T> destination)
    {
        if (start < 0 || start + destination.Length > Length)
        {
            throw new FarOperationArgumentException($"[{start}, {start + destination.Length}) is outside the vector of {Length} elements.");
        }

        while (!destination.IsEmpty)
        {
            long o = start / ElementsPerObject;
            using FarVectorChunk<T> chunk = Chunk(o);
            int offset = (int)(start - chunk.Start);
            int n = Math.Min(destination.Length, chunk.Span.Length - offset);
            chunk.Span.Slice(offset, n).CopyTo(destination);
            destination = destination[n..];
            start += n;
            _context.ThrowIfCancellationRequested();
        }
    }

    /// <summary>One element (takes the object's lock: use <see cref="Chunk"/> in loops).</summary>
    public T this[long index]
    {
        get
        {
            if ((ulong)index >= (ulong)Length)
            {
                throw new FarOperationArgumentException($"Index {index} is outside the vector of {Length} elements.");
            }

            using FarVectorChunk<T> chunk = Chunk(index / ElementsPerObject);
            return chunk.Span[(int)(index - chunk.Start)];
        }
    }
}
