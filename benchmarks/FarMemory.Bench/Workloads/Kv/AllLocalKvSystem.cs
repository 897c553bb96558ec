using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FarMemory.Bench.Workloads.Web;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// Everything in the GC heap: a <see cref="Dictionary{TKey, TValue}"/> of the values. Workers own
/// disjoint keys (see <see cref="KvSpec"/>) and every key exists before they start, so a get or put
/// is a lookup that reads or writes the entry in place: no thread ever changes the dictionary's
/// structure, which is what makes sharing it safe here.
/// </summary>
internal sealed class AllLocalKvSystem : KvSystem
{
    private Dictionary<long, Value64> _values = new();
    private long _dataBytes;

    public override string Name => "all-local";

    public override long BudgetBytes => 0;

    public override void Load(KvSpec spec)
    {
        _values = new Dictionary<long, Value64>((int)spec.Keys);
        for (long key = 0; key < spec.Keys; key++)
        {
            _values[key] = KvSpec.Initial(key);
        }

        _dataBytes = spec.DataBytes;
    }

    public override KvWorker CreateWorker() => new Worker(_values);

    public override SystemCounters ReadCounters() => new(0, 0, _dataBytes);

    public override void Dispose() => _values = new();

    private sealed class Worker(Dictionary<long, Value64> values) : KvWorker
    {
        public override Value64 Get(long key) => Entry(key);

        public override void Put(long key, in Value64 value) => Entry(key) = value;

        private ref Value64 Entry(long key)
        {
            ref Value64 entry = ref CollectionsMarshal.GetValueRefOrNullRef(values, key);
            if (Unsafe.IsNullRef(ref entry))
            {
                throw new InvalidOperationException($"Key {key} was not loaded.");
            }

            return ref entry;
        }
    }
}
