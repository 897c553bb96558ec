using CsCheck;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Tests.Collections;

/// <summary>RemStack against Stack: random push/pop runs under a budget of four 4 KiB segments.</summary>
public class RemStackModelTests
{
    private const int MaxCount = 3000;

    public enum Kind
    {
        Push,
        Pop,
        Peek,
        Clear,
        Snapshot,
    }

    [Fact]
    public void SingleThreadMatchesStack()
    {
        long evictions = 0;
        var genOp = Gen.Select(Gen.Frequency((6, Gen.Const(Kind.Push)), (5, Gen.Const(Kind.Pop)), (2, Gen.Const(Kind.Peek)), (1, Gen.Const(Kind.Clear)), (1, Gen.Const(Kind.Snapshot))), Gen.Int[1, 400], Gen.Long);
        Gen.Select(Gen.OneOf(0, 1, 8, 128), genOp.Array[1, 120], (e, ops) => (e, ops)).Sample(
            c =>
            {
                using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(MaxCount);
                using RemStack<long> stack = runtime.CreateStack<long>(c.e);
                var model = new Stack<long>();
                foreach ((Kind kind, int n, long value) in c.ops)
                {
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        switch (kind)
                        {
                            case Kind.Push:
                                for (int k = 0; k < n && model.Count < MaxCount; k++)
                                {
                                    stack.Push(value + k, scope);
                                    model.Push(value + k);
                                }

                                break;
                            case Kind.Pop:
                                for (int k = 0; k < n; k++)
                                {
                                    Assert.Equal(model.TryPop(out long expected), stack.TryPop(out long got, scope));
                                    Assert.Equal(expected, got);
                                }

                                break;
                            case Kind.Peek when model.Count > 0:
                                Assert.Equal(model.Peek(), stack.Peek(scope));
                                break;
                            case Kind.Peek:
                                Assert.Throws<InvalidOperationException>(() =>
                                {
                                    using DerefScope inner = runtime.EnterScope();
                                    stack.Peek(inner);
                                });
                                break;
                            case Kind.Clear:
                                stack.Clear();
                                model.Clear();
                                break;
                        }
                    }

                    if (kind == Kind.Snapshot)
                    {
                        Assert.Equal(model.ToArray(), stack.ToArray());
                    }

                    Assert.Equal(model.Count, stack.Count);
                    Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes);
                }

                Assert.Equal(model.ToArray(), stack.ToArray());
                evictions += runtime.GetStats().Evictions;
            },
            iter: 50);
        Assert.True(evictions > 0, "the model check must exercise eviction");
    }

    [Fact]
    public async Task DisposeFreesLocalAndFarMemory()
    {
        var backend = new InProcessBackend();
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(1024, backend: backend);
        RemStack<long> stack = runtime.CreateStack<long>(16);
        for (long i = 0; i < 16_000; i++)
        {
            using DerefScope scope = runtime.EnterScope();
            stack.Push(i, scope);
        }

        await CollectionMemory.AssertSomethingFarAsync(backend);
        stack.Dispose();
        await CollectionMemory.AssertAllFreedAsync(runtime, backend);
    }
}
