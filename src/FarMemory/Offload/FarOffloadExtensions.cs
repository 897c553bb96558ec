using System.Numerics;
using FarMemory.Collections;

namespace FarMemory.Offload;

/// <summary>Adds <c>.Offload</c> to numeric vectors and arrays and to hash tables: the built-in operations the far-memory server runs next to their data.</summary>
public static class FarOffloadExtensions
{
    extension<T>(RemVector<T> vector)
        where T : unmanaged, INumber<T>
    {
        /// <summary>Sum, filter, histogram, gather, group-by and more, run on the far-memory server (see <see cref="FarVectorOffload{T}"/>).</summary>
        public FarVectorOffload<T> Offload => new(vector);
    }

    extension<T>(RemArray<T> array)
        where T : unmanaged, INumber<T>
    {
        /// <summary>Sum, filter, histogram, gather, group-by and more, run on the far-memory server (see <see cref="FarVectorOffload{T}"/>).</summary>
        public FarVectorOffload<T> Offload => new(array);
    }

    extension<TKey, TValue>(RemHashTable<TKey, TValue> table)
        where TKey : unmanaged, IEquatable<TKey>
        where TValue : unmanaged
    {
        /// <summary>Get and put (single and batched) run on the far-memory server, moving values instead of pairs (see <see cref="FarHashTableOffload{TKey, TValue}"/>).</summary>
        public FarHashTableOffload<TKey, TValue> Offload => new(table);
    }
}
