using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// A collection of elements in fixed-size objects (<see cref="RemArray{T}"/>, <see cref="RemVector{T}"/>),
/// as <see cref="ElementsAsync"/> sees it: the one implementation of their async twins.
/// </summary>
internal unsafe interface IElementObjects<T>
    where T : unmanaged
{
    FarMemoryRuntime Runtime { get; }

    FarStructure Structure { get; }

    /// <summary>log2 of the elements per object.</summary>
    int ElementShift { get; }

    /// <summary>Elements that exist now (indexes below it are valid).</summary>
    long ElementCount { get; }

    ulong* WordOf(long objectIndex);

    T Read(long index, scoped in DerefScope scope);

    void Write(long index, T value, scoped in DerefScope scope);

    void CopyTo(long start, Span<T> destination);
}
