using FarMemory.Collections;
using FarMemory.Prefetching;
using FarMemory.Scopes;

namespace FarMemory.DataFrames.Storage;

/// <summary>
/// A column in far memory: one <see cref="RemVector{T}"/>, so its objects obey the runtime's byte
/// budget and the evacuator. Sequential reads are prefetched: the vector gets a stride prefetcher,
/// so a chunked scan keeps a window of objects in flight instead of one round trip per object.
/// </summary>
internal sealed class FarVectorStorage<T> : IColumnStorage<T>
    where T : unmanaged
{
    /// <summary>Gathers per scope: long enough to amortize the scope, short enough not to hold many pins.</summary>
    private const int GatherBatch = 1024;

    private readonly RemVector<T> _vector;

    public FarVectorStorage(FarMemoryRuntime runtime)
        : this(runtime.CreateVector<T>())
    {
    }

    /// <summary>Takes ownership of <paramref name="vector"/> (one the remote agent built, for instance).</summary>
    public FarVectorStorage(RemVector<T> vector)
    {
        _vector = vector;
        if (vector.Runtime.Options.Prefetching)
        {
            vector.Store.Structure.Prefetcher ??= new StridePrefetcher(vector.Store.ObjectSize, vector.Runtime.BudgetBytes);
        }
    }

    public long Count => _vector.Count;

    public RemVector<T>? Vector => _vector;

    public void Append(ReadOnlySpan<T> values) => _vector.AddRange(values);

    public void Read(long start, Span<T> destination) => _vector.CopyTo(start, destination);

    public void Write(long start, ReadOnlySpan<T> values)
    {
        using DerefScope scope = _vector.Runtime.EnterScope();
        for (int i = 0; i < values.Length; i++)
        {
            _vector.Write(start + i, values[i], in scope);
        }
    }

    public void Gather(ReadOnlySpan<long> indices, Span<T> destination)
    {
        for (int at = 0; at < indices.Length; at += GatherBatch)
        {
            int n = Math.Min(GatherBatch, indices.Length - at);
            using DerefScope scope = _vector.Runtime.EnterScope();
            for (int i = at; i < at + n; i++)
            {
                destination[i] = _vector.Read(indices[i], in scope);
            }
        }
    }

    public double LocalFraction()
    {
        long objects = (_vector.Count + _vector.ElementsPerObject - 1) / _vector.ElementsPerObject;
        if (objects == 0)
        {
            return 1;
        }

        long far = 0;
        GrowableObjectStore store = _vector.Store;
        for (long o = 0; o < objects; o++)
        {
            if (store.IsFar(o))
            {
                far++;
            }
        }

        return 1 - ((double)far / objects);
    }

    public void Dispose() => _vector.Dispose();
}
