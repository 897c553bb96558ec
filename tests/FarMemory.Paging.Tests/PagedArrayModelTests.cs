using CsCheck;
using FarMemory.Paging.Policies;

namespace FarMemory.Paging.Tests;

/// <summary>
/// Random operation sequences on a PagedArray and on a plain array, compared after every step, for
/// every policy and bit emulation, with the pageout daemon running, under a budget of six 64-byte
/// frames so that nearly every operation faults, evicts and writes back.
/// </summary>
public class PagedArrayModelTests
{
    private const int Frames = 6;

    private enum Kind
    {
        Read,
        Write,
        CopyOut,
        CopyIn,
        Scan,
    }

    private readonly record struct Op(Kind Kind, double Position, long Value, int Count);

    private static readonly Gen<Op> s_op =
        Gen.Select(Gen.Enum<Kind>(), Gen.Double[0, 1], Gen.Long, Gen.Int[1, 40], (k, p, v, c) => new Op(k, p, v, c));

    private static readonly Gen<(int Length, BitEmulation Emulation, int ReadAround, Op[] Ops)> s_case =
        Gen.Select(Gen.Int[1, 1500], Gen.Enum<BitEmulation>(), Gen.OneOf(0, 2, 8), s_op.Array[1, 150], (n, e, r, ops) => (n, e, r, ops));

    public static TheoryData<string> Policies => new(PolicyCatalog.Names);

    [Theory]
    [MemberData(nameof(Policies))]
    public void MatchesAnArrayWithTheDaemonRunning(string policy)
    {
        long evictions = 0;
        long daemonFrames = 0;
        s_case.Sample(
            c =>
            {
                (long e, long d) = Run(policy, c.Length, c.Emulation, c.ReadAround, c.Ops);
                evictions += e;
                daemonFrames += d;
            },
            iter: 40,
            threads: 1);
        Assert.True(evictions > 0, "the cases must exercise eviction");
        Assert.True(daemonFrames > 0, "the daemon must take part");
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void FourThreadsOnSharedPagesMatchTheirModels(string policy)
    {
        // Threads own interleaved elements (i % 4 == t), so every page is shared by all of them.
        const int Threads = 4;
        const int Length = 1024;
        Gen.Select(Gen.Enum<BitEmulation>(), s_op.Array[100, 300].Array[Threads], (e, ops) => (e, ops)).Sample(
            c =>
            {
                using var array = new PagedArray<long>(Length, TinyPaging.Options(Length, Frames, policy, daemon: true, emulation: c.e));
                var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
                ConcurrentRunner.Run(Threads, t =>
                {
                    var model = new long[Length];
                    foreach (Op op in c.ops[t])
                    {
                        long i = (Math.Min((long)(op.Position * (Length / Threads)), (Length / Threads) - 1) * Threads) + t;
                        if (op.Kind is Kind.Write or Kind.CopyIn)
                        {
                            array.Write(i, op.Value);
                            model[i] = op.Value;
                        }
                        else if (array.Read(i) != model[i])
                        {
                            failures.Enqueue($"thread {t} index {i}: {array.Read(i)} != {model[i]}");
                        }
                    }
                });
                Assert.Empty(failures);
                Assert.Null(array.Memory.Daemon!.LastFailure);
                Assert.True(array.Memory.GetStats().LocalBytesPeak <= array.Memory.GetStats().BudgetBytes);
            },
            iter: 6,
            threads: 1);
    }

    private static (long Evictions, long DaemonFrames) Run(string policy, int length, BitEmulation emulation, int readAround, Op[] ops)
    {
        using var array = new PagedArray<long>(length, TinyPaging.Options(length, Frames, policy, daemon: true, emulation, readAround));
        var model = new long[length];
        foreach (Op op in ops)
        {
            long i = Math.Min((long)(op.Position * length), length - 1);
            int count = (int)Math.Min(op.Count, length - i);
            switch (op.Kind)
            {
                case Kind.Read:
                    Assert.Equal(model[i], array.Read(i));
                    break;
                case Kind.Write:
                    array.Write(i, op.Value);
                    model[i] = op.Value;
                    break;
                case Kind.CopyOut:
                    var got = new long[count];
                    array.CopyTo(i, got);
                    Assert.Equal(model.AsSpan((int)i, count).ToArray(), got);
                    break;
                case Kind.CopyIn:
                    long[] values = Enumerable.Range(0, count).Select(k => op.Value + k).ToArray();
                    array.CopyFrom(values, i);
                    values.CopyTo(model, i);
                    break;
                case Kind.Scan:
                    long seen = 0;
                    foreach (long v in array)
                    {
                        Assert.Equal(model[seen], v);
                        seen++;
                    }

                    Assert.Equal(length, seen);
                    break;
            }

            PagingStats stats = array.Memory.GetStats();
            Assert.True(stats.LocalBytesInUse <= stats.BudgetBytes, $"{stats.LocalBytesInUse} > {stats.BudgetBytes}");
        }

        Assert.Null(array.Memory.Daemon!.LastFailure);
        return (array.Memory.GetStats().Evictions, array.Memory.Daemon.FramesMoved);
    }
}
