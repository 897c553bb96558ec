using CsCheck;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

namespace FarMemory.Tests.Collections;

/// <summary>
/// RemList against LinkedList: both walk a cursor (a Position and a LinkedListNode) through random
/// end operations, cursor moves, insertions and removals, under a budget of four 4 KiB segments.
/// </summary>
public class RemListModelTests
{
    private const int MaxCount = 3000;

    public enum Kind
    {
        AddFirst,
        AddLast,
        RemoveFirst,
        RemoveLast,
        Forward,
        Backward,
        Read,
        Write,
        Insert,
        Remove,
        Scan,
        ScanBackward,
        Clear,
    }

    private static readonly Gen<(Kind Kind, int Count, long Value)> GenOp =
        Gen.Select(
            Gen.Frequency(
                (4, Gen.Const(Kind.AddFirst)), (4, Gen.Const(Kind.AddLast)), (2, Gen.Const(Kind.RemoveFirst)), (2, Gen.Const(Kind.RemoveLast)),
                (3, Gen.Const(Kind.Forward)), (3, Gen.Const(Kind.Backward)), (2, Gen.Const(Kind.Read)), (1, Gen.Const(Kind.Write)),
                (5, Gen.Const(Kind.Insert)), (3, Gen.Const(Kind.Remove)), (1, Gen.Const(Kind.Scan)), (1, Gen.Const(Kind.ScanBackward)),
                (1, Gen.Const(Kind.Clear))),
            Gen.Int[1, 200],
            Gen.Long,
            (k, n, v) => (k, n, v));

    [Fact]
    public void SingleThreadMatchesLinkedList()
    {
        long evictions = 0;
        Gen.Select(Gen.OneOf(0, 1, 2, 8, 64), GenOp.Array[1, 150], (e, ops) => (e, ops)).Sample(
            c =>
            {
                using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(MaxCount);
                using RemList<long> list = runtime.CreateList<long>(c.e);
                var model = new LinkedList<long>();
                LinkedListNode<long>? node = null;
                RemList<long>.Position position = RemList<long>.Position.End;
                foreach ((Kind kind, int n, long value) in c.ops)
                {
                    using (DerefScope scope = runtime.EnterScope())
                    {
                        switch (kind)
                        {
                            case Kind.AddFirst or Kind.AddLast:
                                for (int k = 0; k < n && model.Count < MaxCount; k++)
                                {
                                    if (kind == Kind.AddFirst)
                                    {
                                        list.AddFirst(value + k, scope);
                                        model.AddFirst(value + k);
                                    }
                                    else
                                    {
                                        list.AddLast(value + k, scope);
                                        model.AddLast(value + k);
                                    }
                                }

                                (node, position) = (model.First, list.First);
                                break;
                            case Kind.RemoveFirst or Kind.RemoveLast:
                                for (int k = 0; k < n && model.Count > 0; k++)
                                {
                                    long expected = kind == Kind.RemoveFirst ? model.First!.Value : model.Last!.Value;
                                    Assert.Equal(expected, kind == Kind.RemoveFirst ? list.RemoveFirst(scope) : list.RemoveLast(scope));
                                    if (kind == Kind.RemoveFirst)
                                    {
                                        model.RemoveFirst();
                                    }
                                    else
                                    {
                                        model.RemoveLast();
                                    }
                                }

                                (node, position) = (model.Last, list.Last);
                                break;
                            case Kind.Forward:
                                for (int k = 0; k < n % 20 && node != null; k++)
                                {
                                    (node, position) = (node.Next, list.Next(position));
                                }

                                break;
                            case Kind.Backward:
                                for (int k = 0; k < n % 20; k++)
                                {
                                    (node, position) = (node == null ? model.Last : node.Previous, list.Previous(position));
                                    if (node == null)
                                    {
                                        break;
                                    }
                                }

                                break;
                            case Kind.Read when node != null:
                                Assert.Equal(node.Value, list.Read(position, scope));
                                break;
                            case Kind.Write when node != null:
                                list.Write(position, value, scope);
                                node.Value = value;
                                break;
                            case Kind.Insert when model.Count < MaxCount:
                                position = list.InsertBefore(position, value, scope);
                                node = node == null ? model.AddLast(value) : model.AddBefore(node, value);
                                break;
                            case Kind.Remove when node != null:
                                LinkedListNode<long>? next = node.Next;
                                model.Remove(node);
                                (node, position) = (next, list.RemoveAt(position, scope));
                                break;
                            case Kind.Clear:
                                list.Clear();
                                model.Clear();
                                (node, position) = (null, list.First);
                                break;
                        }
                    }

                    Assert.Equal(node == null, position.IsEnd);
                    if (kind == Kind.Scan)
                    {
                        var seen = new List<long>();
                        foreach (long v in list)
                        {
                            seen.Add(v);
                        }

                        Assert.Equal(model, seen);
                    }
                    else if (kind == Kind.ScanBackward)
                    {
                        var seen = new List<long>();
                        foreach (long v in list.Backward())
                        {
                            seen.Add(v);
                        }

                        Assert.Equal(model.Reverse(), seen);
                    }

                    Assert.Equal(model.Count, list.Count);
                    Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes);
                }

                var all = new List<long>();
                foreach (long v in list)
                {
                    all.Add(v);
                }

                Assert.Equal(model, all);
                evictions += runtime.GetStats().Evictions;
            },
            iter: 60);
        Assert.True(evictions > 0, "the model check must exercise eviction");
    }

    [Fact]
    public void ScansPrefetchTheNodesAhead()
    {
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(4096);
        using RemList<long> list = runtime.CreateList<long>(32);
        using (DerefScope scope = runtime.EnterScope())
        {
            for (long i = 0; i < 32 * 1000; i++)
            {
                list.AddLast(i, scope);
            }
        }

        long sum = 0;
        foreach (long v in list.Backward())
        {
            sum += v;
        }

        foreach (long v in list)
        {
            sum += v;
        }

        Assert.Equal(2 * (32L * 1000 * ((32 * 1000) - 1) / 2), sum);
        FarMemoryStats stats = runtime.GetStats();
        Assert.True(stats.PrefetchesIssued > 0 && stats.PrefetchesUsed > 0, $"issued {stats.PrefetchesIssued}, used {stats.PrefetchesUsed}");
    }

    [Fact]
    public async Task DisposeFreesLocalAndFarMemory()
    {
        var backend = new InProcessBackend();
        using FarMemoryRuntime runtime = CollectionMemory.CreateRuntime(1024, backend: backend);
        RemList<long> list = runtime.CreateList<long>(16);
        using (DerefScope scope = runtime.EnterScope())
        {
            for (long i = 0; i < 16_000; i++)
            {
                list.AddLast(i, scope);
            }
        }

        await CollectionMemory.AssertSomethingFarAsync(backend);
        list.Dispose();
        await CollectionMemory.AssertAllFreedAsync(runtime, backend);
    }
}
