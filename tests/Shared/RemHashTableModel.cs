using CsCheck;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Testing;

/// <summary>
/// The RemHashTable model check shared by the unit tests (in-process backend) and the integration
/// tests (TCP backend): random operation sequences applied to a RemHashTable and to a Dictionary,
/// compared after every step, under a budget of four 4 KiB segments next to the table's index, so
/// lookups miss, pairs are evicted and written back, and removed pairs' words are reused.
/// </summary>
internal static class RemHashTableModel
{
    public const int KeySpace = 4000;

    public enum Kind
    {
        Put,
        Remove,
        Get,
        Contains,
        GetMany,
    }

    public static readonly Gen<(Kind Kind, int Key, long Value)> GenOp =
        Gen.Select(Gen.Frequency((5, Gen.Const(Kind.Put)), (2, Gen.Const(Kind.Remove)), (4, Gen.Const(Kind.Get)), (1, Gen.Const(Kind.Contains)), (1, Gen.Const(Kind.GetMany))), Gen.Int[0, KeySpace - 1], Gen.Long, (k, key, v) => (k, key, v));

    public static readonly Gen<(int Stripes, (Kind Kind, int Key, long Value)[] Ops)> GenCase =
        Gen.Select(Gen.OneOf(1, 4, 16), GenOp.Array[1, 6000], (s, ops) => (s, ops));

    /// <summary>
    /// Four 4 KiB segments, the words of <paramref name="objects"/> pairs in 64-word chunks, and
    /// 40 KiB for the buckets (and a stripe's resize) of up to <see cref="KeySpace"/> keys.
    /// </summary>
    public static FarMemoryRuntime CreateRuntime(long objects, IFarMemoryBackend? backend) =>
        new(new FarMemoryOptions
        {
            LocalBudgetBytes = ((((objects + 63) / 64 * 64) + 64) * sizeof(ulong)) + (4 * 4096) + (40 << 10),
            SegmentSize = 4096,
            Backend = backend,
            OwnsBackend = false,
        });

    /// <summary>Runs one case single-threaded, asserting after every operation; returns the evictions it caused.</summary>
    public static long Run(int stripes, (Kind Kind, int Key, long Value)[] ops, IFarMemoryBackend? backend)
    {
        using FarMemoryRuntime runtime = CreateRuntime(KeySpace, backend);
        using RemHashTable<int, long> table = runtime.CreateHashTable<int, long>(stripes);
        var model = new Dictionary<int, long>();
        foreach ((Kind kind, int key, long value) in ops)
        {
            using DerefScope scope = runtime.EnterScope();
            switch (kind)
            {
                case Kind.Put:
                    Assert.Equal(!model.ContainsKey(key), table.Put(key, value, scope));
                    model[key] = value;
                    break;
                case Kind.Remove:
                    Assert.Equal(model.Remove(key), table.Remove(key, scope));
                    break;
                case Kind.Get:
                    Assert.Equal(model.TryGetValue(key, out long expected), table.TryGet(key, out long got, scope));
                    Assert.Equal(expected, got);
                    break;
                case Kind.Contains:
                    Assert.Equal(model.ContainsKey(key), table.ContainsKey(key, scope));
                    break;
                case Kind.GetMany:
                    CheckGetMany(table, model, key, scope);
                    break;
            }

            Assert.Equal(model.Count, table.Count);
            Assert.True(runtime.LocalBytesInUse <= runtime.BudgetBytes);
        }

        using (DerefScope scope = runtime.EnterScope())
        {
            for (int key = 0; key < KeySpace; key++)
            {
                Assert.Equal(model.TryGetValue(key, out long expected), table.TryGet(key, out long got, scope));
                Assert.Equal(expected, got);
            }
        }

        return runtime.GetStats().Evictions;
    }

    /// <summary>A 32-key multi-get (keys <paramref name="first"/>, +7, +14, ...) against the model.</summary>
    private static void CheckGetMany(RemHashTable<int, long> table, Dictionary<int, long> model, int first, scoped in DerefScope scope)
    {
        Span<int> keys = stackalloc int[32];
        Span<long> values = stackalloc long[32];
        Span<bool> found = stackalloc bool[32];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = (first + (7 * i)) % KeySpace;
        }

        int hits = table.TryGetMany(keys, values, found, scope);
        int expectedHits = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            bool present = model.TryGetValue(keys[i], out long expected);
            expectedHits += present ? 1 : 0;
            Assert.Equal(present, found[i]);
            Assert.Equal(expected, values[i]);
        }

        Assert.Equal(expectedHits, hits);
    }
}
