using System.Numerics;
using FarMemory.Collections;

namespace FarMemory.Offload;

/// <summary>
/// The built-in remote-agent operations on a vector or array (<c>vector.Offload</c>): each runs on
/// the far-memory server next to the data and moves only arguments and results, so an aggregate
/// over a column that is mostly far costs a few bytes on the wire instead of the column.
/// </summary>
/// <remarks>
/// Ranges are element indexes [start, end); end null means the whole length. Dirty local elements
/// are written back first, so results include local writes; operations that write drop the local
/// copies of what they wrote. Every method has a synchronous twin that may be called inside a scope
/// (the scope is parked meanwhile). Needs a far-memory server: other backends throw
/// <see cref="FarOperationNotFoundException"/>. Element types: int, long, float, double, byte.
/// </remarks>
public readonly struct FarVectorOffload<T>
    where T : unmanaged, INumber<T>
{
    private readonly RemVector<T>? _vector;
    private readonly RemArray<T>? _array;

    internal FarVectorOffload(RemVector<T> vector) => _vector = vector;

    internal FarVectorOffload(RemArray<T> array) => _array = array;

    private FarMemoryRuntime Runtime => _vector?.Runtime ?? _array!.Runtime;

    private long Length => _vector?.Count ?? _array!.Length;

    private FarStructureArgument Self => _vector != null ? FarStructureArgument.Read(_vector) : FarStructureArgument.Read(_array!);

    /// <summary>Count, sum, min and max of [start, end) in one pass.</summary>
    public async Task<FarSummary> SummarizeAsync(long start = 0, long? end = null, CancellationToken cancellationToken = default)
    {
        FarArguments args = RangeArguments(start, end);
        FarCallResult r = await Runtime.CallAsync("farmem.summary", 1, [Self], args, DeadlineFor(RangeLength(start, end), ScanNanos), cancellationToken).ConfigureAwait(false);
        long count = r.ReadInt64();
        if (IsFloat)
        {
            double sum = r.ReadDouble();
            double min = r.ReadDouble();
            double max = r.ReadDouble();
            return new FarSummary(count, sum, min, max, (long)sum, (long)min, (long)max);
        }

        long isum = r.ReadInt64();
        long imin = r.ReadInt64();
        long imax = r.ReadInt64();
        return new FarSummary(count, isum, imin, imax, isum, imin, imax);
    }

    public FarSummary Summarize(long start = 0, long? end = null)
    {
        FarVectorOffload<T> self = this;
        return Runtime.RunParked(() => self.SummarizeAsync(start, end));
    }

    /// <summary>The sum of [start, end): exact for integers (as long, converted), in double for floats.</summary>
    public async Task<double> SumAsync(long start = 0, long? end = null, CancellationToken cancellationToken = default) =>
        (await SummarizeAsync(start, end, cancellationToken).ConfigureAwait(false)).Sum;

    public double Sum(long start = 0, long? end = null) => Summarize(start, end).Sum;

    public async Task<T> MinAsync(long start = 0, long? end = null, CancellationToken cancellationToken = default) =>
        Extreme(await SummarizeAsync(start, end, cancellationToken).ConfigureAwait(false), min: true);

    public T Min(long start = 0, long? end = null) => Extreme(Summarize(start, end), min: true);

    public async Task<T> MaxAsync(long start = 0, long? end = null, CancellationToken cancellationToken = default) =>
        Extreme(await SummarizeAsync(start, end, cancellationToken).ConfigureAwait(false), min: false);

    public T Max(long start = 0, long? end = null) => Extreme(Summarize(start, end), min: false);

    public async Task<double> MeanAsync(long start = 0, long? end = null, CancellationToken cancellationToken = default) =>
        (await SummarizeAsync(start, end, cancellationToken).ConfigureAwait(false)).Mean;

    public double Mean(long start = 0, long? end = null) => Summarize(start, end).Mean;

    /// <summary>How many elements of [start, end) satisfy <paramref name="where"/>.</summary>
    public async Task<long> CountAsync(FarPredicate where, long start = 0, long? end = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(where);
        FarArguments args = RangeArguments(start, end).Add(where.Encoded);
        FarCallResult r = await Runtime.CallAsync("farmem.count-where", 1, [Self], args, DeadlineFor(RangeLength(start, end), ScanNanos), cancellationToken).ConfigureAwait(false);
        return r.ReadInt64();
    }

    public long Count(FarPredicate where, long start = 0, long? end = null)
    {
        FarVectorOffload<T> self = this;
        return Runtime.RunParked(() => self.CountAsync(where, start, end));
    }

    /// <summary>Counts of [start, end) in <paramref name="bins"/> equal bins over [lower, upper] (the last bin includes upper); values outside are not counted.</summary>
    public async Task<long[]> HistogramAsync(double lower, double upper, int bins, long start = 0, long? end = null, CancellationToken cancellationToken = default)
    {
        FarArguments args = RangeArguments(start, end).Add(lower).Add(upper).Add((long)bins);
        FarCallResult r = await Runtime.CallAsync("farmem.histogram", 1, [Self], args, DeadlineFor(RangeLength(start, end), ScanNanos), cancellationToken).ConfigureAwait(false);
        return r.ReadArray<long>(bins);
    }

    public long[] Histogram(double lower, double upper, int bins, long start = 0, long? end = null)
    {
        FarVectorOffload<T> self = this;
        return Runtime.RunParked(() => self.HistogramAsync(lower, upper, bins, start, end));
    }

    /// <summary>The distinct values of [start, end), ascending.</summary>
    public async Task<T[]> UniqueAsync(long start = 0, long? end = null, CancellationToken cancellationToken = default)
    {
        FarCallResult r = await Runtime.CallAsync("farmem.unique", 1, [Self], RangeArguments(start, end), DeadlineFor(RangeLength(start, end), SortNanos), cancellationToken).ConfigureAwait(false);
        return r.ReadArray<T>(checked((int)r.ReadInt64()));
    }

    public T[] Unique(long start = 0, long? end = null)
    {
        FarVectorOffload<T> self = this;
        return Runtime.RunParked(() => self.UniqueAsync(start, end));
    }

    /// <summary>A new vector (the caller disposes it) of the indices of the elements of [start, end) that satisfy <paramref name="where"/>, built on the server.</summary>
    public Task<RemVector<long>> WhereIndicesAsync(FarPredicate where, long start = 0, long? end = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(where);
        return IntoNewVectorAsync<long>("farmem.where-indices", RangeArguments(start, end).Add(where.Encoded), [], DeadlineFor(RangeLength(start, end), CopyNanos), cancellationToken);
    }

    public RemVector<long> WhereIndices(FarPredicate where, long start = 0, long? end = null)
    {
        FarVectorOffload<T> self = this;
        return Runtime.RunParked(() => self.WhereIndicesAsync(where, start, end));
    }

    /// <summary>A new vector (the caller disposes it) of the elements of [start, end) that satisfy <paramref name="where"/>, built on the server.</summary>
    public Task<RemVector<T>> WhereAsync(FarPredicate where, long start = 0, long? end = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(where);
        return IntoNewVectorAsync<T>("farmem.where-values", RangeArguments(start, end).Add(where.Encoded), [], DeadlineFor(RangeLength(start, end), CopyNanos), cancellationToken);
    }

    public RemVector<T> Where(FarPredicate where, long start = 0, long? end = null)
    {
        FarVectorOffload<T> self = this;
        return Runtime.RunParked(() => self.WhereAsync(where, start, end));
    }

    /// <summary>A new vector (the caller disposes it) holding this[indices[i]] for every i (copy by index), built on the server.</summary>
    public Task<RemVector<T>> GatherAsync(RemVector<long> indices, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return IntoNewVectorAsync<T>("farmem.gather", FarArguments.None, [FarStructureArgument.Read(indices)], DeadlineFor(indices.Count, GatherNanos), cancellationToken);
    }

    public RemVector<T> Gather(RemVector<long> indices)
    {
        FarVectorOffload<T> self = this;
        return Runtime.RunParked(() => self.GatherAsync(indices));
    }

    /// <summary>destination[indices[i]] = this[i] on the server (shuffle by index).</summary>
    public async Task ScatterAsync(RemVector<long> indices, RemVector<T> destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(destination);
        await Runtime.CallAsync("farmem.scatter", 1, [Self, FarStructureArgument.Read(indices), FarStructureArgument.Write(destination)], FarArguments.None, DeadlineFor(indices.Count, GatherNanos), cancellationToken).ConfigureAwait(false);
    }

    public void Scatter(RemVector<long> indices, RemVector<T> destination)
    {
        FarVectorOffload<T> self = this;
        Runtime.RunParked(async () =>
        {
            await self.ScatterAsync(indices, destination).ConfigureAwait(false);
            return 0;
        });
    }

    /// <summary>Copies <paramref name="count"/> elements from <paramref name="sourceStart"/> over <paramref name="destination"/> from <paramref name="destinationStart"/> on the server (a destination vector grows to fit).</summary>
    public async Task AssignToAsync(RemVector<T> destination, long sourceStart, long destinationStart, long count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        FarArguments args = new FarArguments().Add(sourceStart).Add(destinationStart).Add(count);
        await Runtime.CallAsync("farmem.assign", 1, [Self, FarStructureArgument.Write(destination)], args, DeadlineFor(count, CopyNanos), cancellationToken).ConfigureAwait(false);
    }

    public void AssignTo(RemVector<T> destination, long sourceStart, long destinationStart, long count)
    {
        FarVectorOffload<T> self = this;
        Runtime.RunParked(async () =>
        {
            await self.AssignToAsync(destination, sourceStart, destinationStart, count).ConfigureAwait(false);
            return 0;
        });
    }

    /// <summary>
    /// With this vector as keys sorted into runs of equal values (an integer vector), one
    /// <paramref name="aggregate"/> of <paramref name="values"/> per run over [start, end), computed on the server.
    /// </summary>
    public async Task<FarGroup[]> GroupBySortedAsync<TValue>(RemVector<TValue> values, FarAggregate aggregate, long start = 0, long? end = null, CancellationToken cancellationToken = default)
        where TValue : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        long stop = end ?? Math.Min(Length, values.Count);
        FarArguments args = new FarArguments().Add((long)aggregate).Add(start).Add(stop);
        FarCallResult r = await Runtime.CallAsync("farmem.groupby-sorted", 1, [Self, FarStructureArgument.Read(values)], args, DeadlineFor(stop - start, SortNanos), cancellationToken).ConfigureAwait(false);
        var groups = new FarGroup[checked((int)r.ReadInt64())];
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i] = new FarGroup(r.ReadInt64(), r.ReadInt64(), r.ReadDouble());
        }

        return groups;
    }

    public FarGroup[] GroupBySorted<TValue>(RemVector<TValue> values, FarAggregate aggregate, long start = 0, long? end = null)
        where TValue : unmanaged
    {
        FarVectorOffload<T> self = this;
        return Runtime.RunParked(() => self.GroupBySortedAsync(values, aggregate, start, end));
    }

    /// <summary>
    /// A built-in's work grows with its range, so its deadline does too. Where the allowance (a
    /// generous cost per element: tens of times the steady cost measured on a slow core, since a
    /// server busy taking in a bulk load ran a sum 10x slower than steady) stays under 100 ms the
    /// call takes the server's own default (<c>--call-deadline</c>); above that it asks for 100 ms
    /// plus the allowance, so a whole-column aggregate does not time out while a runaway still
    /// stops. The server clamps it to its <c>--max-call-deadline</c>.
    /// </summary>
    private static FarCallOptions? DeadlineFor(long elements, double nanosPerElement)
    {
        double allowance = Math.Max(0, elements) * nanosPerElement / 1e6;
        return allowance < 100 ? null : new FarCallOptions { Deadline = TimeSpan.FromMilliseconds(100 + allowance) };
    }

    private const double ScanNanos = 100;
    private const double CopyNanos = 200;
    private const double GatherNanos = 300;
    private const double SortNanos = 500;

    private long RangeLength(long start, long? end) => (end ?? Length) - start;

    private static bool IsFloat => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    private static T Extreme(FarSummary s, bool min)
    {
        if (s.Count == 0)
        {
            throw new InvalidOperationException("The range is empty.");
        }

        return IsFloat ? T.CreateTruncating(min ? s.Min : s.Max) : T.CreateTruncating(min ? s.IntegerMin : s.IntegerMax);
    }

    private FarArguments RangeArguments(long start, long? end) => new FarArguments().Add(start).Add(end ?? Length);

    private async Task<RemVector<TOut>> IntoNewVectorAsync<TOut>(string operation, FarArguments args, FarStructureArgument[] more, FarCallOptions? deadline, CancellationToken cancellationToken)
        where TOut : unmanaged
    {
        RemVector<TOut> output = Runtime.CreateVector<TOut>();
        try
        {
            FarStructureArgument[] structures = [Self, .. more, FarStructureArgument.Write(output)];
            await Runtime.CallAsync(operation, 1, structures, args, deadline, cancellationToken).ConfigureAwait(false);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }
}
