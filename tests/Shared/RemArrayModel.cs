using CsCheck;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Testing;

/// <summary>
/// The RemArray model check shared by the unit tests (in-process backend) and the integration tests
/// (TCP backend): random operation sequences applied to a RemArray and to a plain array, compared
/// after every step, under a budget of a few 4 KiB segments so nearly every operation crosses the
/// miss and eviction paths.
/// </summary>
internal static class RemArrayModel
{
    public const int SegmentSize = 4096;

    public enum Kind
    {
        Read,
        Write,
        RefIncrement,
        SpanFill,
        CopyOut,
        CopyIn,
        Scan,
    }

    public readonly record struct Op(Kind Kind, double Position, long Value, int Count);

    public static readonly Gen<Op> GenOp =
        Gen.Select(Gen.Enum<Kind>(), Gen.Double[0, 1], Gen.Long, Gen.Int[1, 300], (k, p, v, c) => new Op(k, p, v, c));

    public static readonly Gen<(int ElementsPerObject, int Length, Op[] Ops)> GenCase =
        Gen.Select(Gen.OneOf(1, 4, 64, 256), Gen.Int[1, 6000], GenOp.Array[1, 300], (e, n, ops) => (e, n, ops));

    /// <summary>A runtime whose budget fits <paramref name="segments"/> segments next to the metadata of <paramref name="objects"/> objects.</summary>
    public static FarMemoryRuntime CreateRuntime(long objects, int segments, IFarMemoryBackend? backend) =>
        new(new FarMemoryOptions
        {
            LocalBudgetBytes = (objects * sizeof(ulong)) + ((long)segments * SegmentSize),
            SegmentSize = SegmentSize,
            Backend = backend,
            OwnsBackend = false,
        });

    /// <summary>Runs one case single-threaded and asserts after every operation.</summary>
    public static void Run(int elementsPerObject, int length, Op[] ops, IFarMemoryBackend? backend)
    {
        using FarMemoryRuntime runtime = CreateRuntime((length / elementsPerObject) + 1, 4, backend);
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

    /// <summary>
    /// Threads own interleaved elements (i % threads == t), so every object is shared by all threads
    /// while each thread's view is checked against its own model.
    /// </summary>
    public static void RunShared(int threads, int length, int elementsPerObject, Op[][] ops, FarMemoryRuntime runtime)
    {
        using RemArray<long> array = runtime.CreateArray<long>(length, elementsPerObject);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        ConcurrentRunner.Run(threads, t =>
        {
            var model = new long[length];
            foreach (Op op in ops[t])
            {
                long i = (Math.Min((long)(op.Position * (length / threads)), (length / threads) - 1) * threads) + t;
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
    }
}
