using CsCheck;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Tests.Collections;

/// <summary>
/// Random operation sequences on a RemArray and on a plain array, compared after every step, under a
/// budget of four 4 KiB segments so that nearly every operation crosses the miss and eviction paths.
/// </summary>
public class RemArrayModelTests
{
    private enum Kind
    {
        Read,
        Write,
        RefIncrement,
        SpanFill,
        CopyOut,
        CopyIn,
        Scan,
    }

    private readonly record struct Op(Kind Kind, double Position, long Value, int Count);

    private static readonly Gen<Op> GenOp =
        Gen.Select(Gen.Enum<Kind>(), Gen.Double[0, 1], Gen.Long, Gen.Int[1, 300], (k, p, v, c) => new Op(k, p, v, c));

    private static readonly Gen<(int ElementsPerObject, int Length, Op[] Ops)> GenCase =
        Gen.Select(Gen.OneOf(1, 4, 64, 256), Gen.Int[1, 6000], GenOp.Array[1, 300], (e, n, ops) => (e, n, ops));

    [Fact]
    public void SingleThreadMatchesArray() =>
        GenCase.Sample(c => Run(c.ElementsPerObject, c.Length, c.Ops), iter: 60);

    [Fact]
    public void EightThreadsOnSharedObjectsMatchTheirModels()
    {
        // Threads own interleaved elements (i % 8 == t), so every object is shared by all threads while
        // each thread's view is checked against its own model.
        const int Threads = 8;
        const int Length = 4096;
        Gen.Select(Gen.OneOf(1, 8, 64), GenOp.Array[200, 600].Array[Threads], (e, ops) => (e, ops)).Sample(
            c =>
            {
                using FarMemoryRuntime runtime = TinyRuntime.Create(Length / c.e + 1, segments: 4);
                using RemArray<long> array = runtime.CreateArray<long>(Length, c.e);
                var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
                ConcurrentRunner.Run(Threads, t =>
                {
                    var model = new long[Length];
                    foreach (Op op in c.ops[t])
                    {
                        long i = (Math.Min((long)(op.Position * (Length / Threads)), (Length / Threads) - 1) * Threads) + t;
                        using DerefScope scope = runtime.EnterScope();
                        switch (op.Kind)
                        {
                            case Kind.Write or Kind.CopyIn or Kind.SpanFill:
                                array.Write(i, op.Value, scope);
                                model[i] = op.Value;
                                break;
                            case Kind.RefIncrement:
                                array.GetRef(i, scope) += 1;
                                model[i] += 1;
                                break;
                            default:
                                long got = array.Read(i, scope);
                                if (got != model[i])
                                {
                                    failures.Enqueue($"thread {t} index {i}: {got} != {model[i]}");
                                }

                                break;
                        }

                        if (runtime.LocalBytesInUse > runtime.BudgetBytes)
                        {
                            failures.Enqueue($"budget exceeded: {runtime.LocalBytesInUse} > {runtime.BudgetBytes}");
                        }
                    }
                });
                Assert.Empty(failures);
                Assert.True(runtime.GetStats().Evictions > 0, "the test must exercise eviction");
            },
            iter: 12,
            threads: 1);
    }

    private static void Run(int elementsPerObject, int length, Op[] ops)
    {
        using FarMemoryRuntime runtime = TinyRuntime.Create((length / elementsPerObject) + 1, segments: 4);
        using RemArray<long> array = runtime.CreateArray<long>(length, elementsPerObject);
        var model = new long[length];
        foreach (Op op in ops)
        {
            long i = Math.Min((long)(op.Position * length), length - 1);
            int count = (int)Math.Min(op.Count, length - i);
            switch (op.Kind)
            {
                case Kind.Read:
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        Assert.Equal(model[i], array.Read(i, scope));
                    }

                    break;
                case Kind.Write:
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        array.Write(i, op.Value, scope);
                    }

                    model[i] = op.Value;
                    break;
                case Kind.RefIncrement:
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        ref long r = ref array.GetRef(i, scope);
                        r += op.Value;
                    }

                    model[i] += op.Value;
                    break;
                case Kind.SpanFill:
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        long objectIndex = i / elementsPerObject;
                        Span<long> span = array.GetObjectSpan(objectIndex, scope);
                        span.Fill(op.Value);
                        model.AsSpan((int)(objectIndex * elementsPerObject), span.Length).Fill(op.Value);
                    }

                    break;
                case Kind.CopyOut:
                    var buffer = new long[count];
                    array.CopyTo(i, buffer);
                    Assert.Equal(model.AsSpan((int)i, count).ToArray(), buffer);
                    break;
                case Kind.CopyIn:
                    long[] source = Enumerable.Range(0, count).Select(k => op.Value + k).ToArray();
                    array.CopyFrom(source, i);
                    source.CopyTo(model, i);
                    break;
                case Kind.Scan:
                    long sum = 0;
                    foreach (long v in array)
                    {
                        sum += v;
                    }

                    long expected = 0;
                    foreach (long v in model)
                    {
                        expected += v;
                    }

                    Assert.Equal(expected, sum);
                    break;
            }

            Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes, $"{runtime.LocalBytesInUse} > {runtime.BudgetBytes}");
        }

        Assert.True(runtime.GetStats().LocalBytesPeak <= runtime.BudgetBytes);
        long[] all = new long[length];
        array.CopyTo(0, all);
        Assert.Equal(model, all);
    }
}
