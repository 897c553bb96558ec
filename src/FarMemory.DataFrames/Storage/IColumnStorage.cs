using FarMemory.Collections;

namespace FarMemory.DataFrames.Storage;

/// <summary>
/// Where a column's values live: the one seam between the frame's operators and memory, so the
/// same operator code runs over far memory (<see cref="FarVectorStorage{T}"/>), plain managed
/// arrays (<see cref="LocalArrayStorage{T}"/>, the all-local baseline) and page-granular far
/// memory (<see cref="PagedArrayStorage{T}"/>, the paging baseline).
/// </summary>
/// <remarks>Operators move values in chunks (a few thousand rows), never one at a time through this interface.</remarks>
internal interface IColumnStorage<T> : IDisposable
    where T : unmanaged
{
    long Count { get; }

    /// <summary>Appends <paramref name="values"/> at the end.</summary>
    void Append(ReadOnlySpan<T> values);

    /// <summary>Copies <paramref name="destination"/>.Length values from <paramref name="start"/>.</summary>
    void Read(long start, Span<T> destination);

    /// <summary>Overwrites values from <paramref name="start"/>; the range must already exist.</summary>
    void Write(long start, ReadOnlySpan<T> values);

    /// <summary>destination[i] = this[indices[i]].</summary>
    void Gather(ReadOnlySpan<long> indices, Span<T> destination);

    /// <summary>The far vector behind the storage, which the remote agent can work on; null when there is none.</summary>
    RemVector<T>? Vector { get; }

    /// <summary>The fraction of the values that are local now (1 for local storage).</summary>
    double LocalFraction();
}
