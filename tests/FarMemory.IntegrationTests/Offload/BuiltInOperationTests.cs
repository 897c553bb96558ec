using CsCheck;
using FarMemory.Collections;
using FarMemory.Offload;
using FarMemory.Scopes;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>Every built-in operation against a LINQ twin, on vectors several times the local budget.</summary>
public class BuiltInOperationTests
{
    private const int N = 60_000;

    private static long[] Data(int seed, int n = N, int range = 1000)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (long)random.Next(-range, range)).ToArray();
    }

    private static RemVector<T> Load<T>(FarMemoryRuntime runtime, T[] values)
        where T : unmanaged
    {
        RemVector<T> v = runtime.CreateVector<T>();
        v.AddRange(values);
        return v;
    }

    [Fact]
    public async Task SummaryMatchesLinqForEveryElementType()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        long[] data = Data(1);
        using RemVector<long> longs = Load(rig.Runtime, data);
        using RemVector<int> ints = Load(rig.Runtime, data.Select(x => (int)x).ToArray());
        using RemVector<double> doubles = Load(rig.Runtime, data.Select(x => x / 4.0).ToArray());
        using RemVector<float> floats = Load(rig.Runtime, data.Select(x => x / 2f).ToArray());

        FarSummary s = await longs.Offload.SummarizeAsync(100, 50_000);
        long[] slice = data[100..50_000];
        Assert.Equal((slice.Length, slice.Sum(), slice.Min(), slice.Max()), (s.Count, s.IntegerSum, s.IntegerMin, s.IntegerMax));
        Assert.Equal(data.Sum(), (long)ints.Offload.Sum());
        Assert.Equal((int)data.Min(), ints.Offload.Min());
        Assert.Equal(data.Select(x => x / 4.0).Sum(), doubles.Offload.Sum(), 6);
        Assert.Equal(data.Select(x => x / 4.0).Average(), await doubles.Offload.MeanAsync(), 9);
        Assert.Equal(data.Max() / 2f, floats.Offload.Max());
        Assert.True(rig.Runtime.GetStats().OffloadCalls >= 6);
    }

    [Fact]
    public async Task FiltersMatchLinq()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        long[] data = Data(2);
        using RemVector<long> v = Load(rig.Runtime, data);
        FarPredicate p = FarPredicate.GreaterThan(100L).And(FarPredicate.LessThan(700L)).Or(FarPredicate.EqualTo(-5L));
        bool Twin(long x) => (x > 100 && x < 700) || x == -5;

        Assert.Equal(data.Count(Twin), await v.Offload.CountAsync(p));
        Assert.Equal(data[10..20_000].Count(x => !Twin(x)), v.Offload.Count(p.Not(), 10, 20_000));
        Assert.Equal(data.Count(x => x >= -3 && x < 3), v.Offload.Count(FarPredicate.InRange(-3L, 3L)));
        Assert.Equal(data.Count(x => x > 2.5), v.Offload.Count(FarPredicate.GreaterThan(2.5)));

        using RemVector<long> indices = await v.Offload.WhereIndicesAsync(p);
        long[] expectedIndices = Enumerable.Range(0, data.Length).Where(i => Twin(data[i])).Select(i => (long)i).ToArray();
        Assert.Equal(expectedIndices, ToArray(indices));

        using RemVector<long> values = v.Offload.Where(p);
        Assert.Equal(data.Where(Twin).ToArray(), ToArray(values));

        using RemVector<long> gathered = await v.Offload.GatherAsync(indices);
        Assert.Equal(data.Where(Twin).ToArray(), ToArray(gathered));
    }

    [Fact]
    public async Task HistogramAndUniqueMatchLinq()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        double[] data = Data(3).Select(x => x / 10.0).ToArray();
        using RemVector<double> v = Load(rig.Runtime, data);
        long[] histogram = await v.Offload.HistogramAsync(-50, 50, 10);
        long[] twin = new long[10];
        foreach (double x in data)
        {
            if (x >= -50 && x <= 50)
            {
                twin[Math.Min(9, (int)((x + 50) / 10))]++;
            }
        }

        Assert.Equal(twin, histogram);
        Assert.Equal(data.Distinct().Order().ToArray(), await v.Offload.UniqueAsync());
        Assert.Equal(data[..1000].Distinct().Order().ToArray(), v.Offload.Unique(0, 1000));
    }

    [Fact]
    public async Task ScatterAndAssignWriteOnTheServerAndLocalReadsSeeIt()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        long[] data = Data(4);
        using RemVector<long> source = Load(rig.Runtime, data);
        long[] permutation = Enumerable.Range(0, N).Select(i => (long)i).ToArray();
        new Random(4).Shuffle(permutation);
        using RemVector<long> indices = Load(rig.Runtime, permutation);
        using RemVector<long> destination = Load(rig.Runtime, new long[N]);

        await source.Offload.ScatterAsync(indices, destination);
        long[] expected = new long[N];
        for (int i = 0; i < N; i++)
        {
            expected[permutation[i]] = data[i];
        }

        Assert.Equal(expected, ToArray(destination));

        source.Offload.AssignTo(destination, 5, N - 10, 20);
        Assert.Equal(N + 10, destination.Count);
        Array.Resize(ref expected, N + 10);
        Array.Copy(data, 5, expected, N - 10, 20);
        Assert.Equal(expected, ToArray(destination));
    }

    [Fact]
    public async Task SortedGroupByMatchesLinqIncludingTheMedian()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        var random = new Random(5);
        long[] keys = Enumerable.Range(0, N).Select(_ => (long)random.Next(0, 40)).Order().ToArray();
        double[] values = Enumerable.Range(0, N).Select(_ => random.NextDouble() * 100).ToArray();
        values[7] = double.NaN;
        using RemVector<long> k = Load(rig.Runtime, keys);
        using RemVector<double> v = Load(rig.Runtime, values);
        var groups = keys.Zip(values).Where(p => !double.IsNaN(p.Second)).GroupBy(p => p.First, p => p.Second).ToDictionary(g => g.Key, g => g.Order().ToArray());

        foreach (FarAggregate aggregate in Enum.GetValues<FarAggregate>())
        {
            FarGroup[] result = await k.Offload.GroupBySortedAsync(v, aggregate);
            Assert.Equal(groups.Keys.Order(), result.Select(g => g.Key));
            foreach (FarGroup g in result)
            {
                double[] twin = groups[g.Key];
                double expected = aggregate switch
                {
                    FarAggregate.Count => twin.Length,
                    FarAggregate.Sum => twin.Sum(),
                    FarAggregate.Mean => twin.Average(),
                    FarAggregate.Min => twin.Min(),
                    FarAggregate.Max => twin.Max(),
                    _ => twin.Length % 2 == 1 ? twin[twin.Length / 2] : (twin[(twin.Length / 2) - 1] + twin[twin.Length / 2]) / 2,
                };
                Assert.Equal(twin.Length, g.Count);
                Assert.Equal(expected, g.Value, 9);
            }
        }
    }

    [Fact]
    public async Task CountWhereMatchesLinqOnRandomVectorsAndPredicates()
    {
        await using OffloadRig rig = await OffloadRig.StartAsync();
        Gen<FarPredicate> leaf = Gen.Select(Gen.Int[0, 5], Gen.Long[-50, 50], (op, c) => op switch
        {
            0 => FarPredicate.LessThan(c),
            1 => FarPredicate.GreaterThanOrEqual(c),
            2 => FarPredicate.EqualTo(c),
            3 => FarPredicate.NotEqualTo(c),
            4 => FarPredicate.InRange(c, c + 20),
            _ => FarPredicate.GreaterThan(c + 0.5),
        });
        Gen<FarPredicate> predicate = Gen.Select(leaf, leaf, Gen.Int[0, 2], (a, b, how) => how switch { 0 => a.And(b), 1 => a.Or(b), _ => a.Not() });
        long[] data = Data(6, 5000, 60);
        using RemVector<long> v = Load(rig.Runtime, data);
        using RemVector<double> d = Load(rig.Runtime, data.Select(x => (double)x).ToArray());
        predicate.Sample(
            p =>
            {
                long onLongs = v.Offload.Count(p);
                long onDoubles = d.Offload.Count(p);
                using RemVector<long> values = v.Offload.Where(p);
                long[] selected = ToArray(values);
                Assert.Equal(onLongs, selected.Length);
                Assert.Equal(onLongs, onDoubles);
                using RemVector<long> rest = v.Offload.Where(p.Not());
                Assert.Equal(data.Length - onLongs, rest.Count);
            },
            iter: 40,
            threads: 1);
    }

    private static T[] ToArray<T>(RemVector<T> v)
        where T : unmanaged
    {
        var result = new T[v.Count];
        using (DerefScope scope = v.Runtime.EnterScope())
        {
            for (long i = 0; i < v.Count; i++)
            {
                result[i] = v.Read(i, scope);
            }
        }

        return result;
    }
}
