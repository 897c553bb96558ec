using System.Runtime.InteropServices;
using FarMemory.Backends;
using FarMemory.Paging;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// The front-end as an unmodified app sits in swapped pages: an open-addressing table of 16-byte
/// slots (key, value; load at most 1/2) and the value array, laid out flat in one
/// <see cref="PagedMemory"/> region whose frames are the budget, paged to the same far-memory server
/// under a classic replacement policy.
/// </summary>
internal sealed class PagedWebSystem(IFarMemoryBackend backend, double ratio, string policy) : WebSystem
{
    private PagedMemory? _memory;
    private long _slots;
    private long _valuesOffset;
    private int _valueSize;

    public override string Name => $"paged-{policy}";

    public override long BudgetBytes => _memory?.GetStats().BudgetBytes ?? 0;

    public override void Load(WebSpec spec)
    {
        _slots = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)spec.Keys * 2);
        _valuesOffset = _slots * Marshal.SizeOf<Slot>();
        _valueSize = spec.ValueSize;
        long length = _valuesOffset + (spec.Values * spec.ValueSize);
        _memory = new PagedMemory(length, new PagingOptions
        {
            BudgetBytes = Math.Max((long)(ratio * length), 1L << 20),
            Backend = backend,
            Policy = policy,
        });

        // Build the table in a local buffer and copy it in page order: inserting straight into the
        // region would fault on every key, which is not what is being measured.
        var table = new Slot[_slots];
        for (long id = 0; id < spec.Keys; id++)
        {
            var key = WebKey.Of('k', id);
            long position = Home(key);
            while (!table[position].Key.Equals(default))
            {
                position = (position + 1) & (_slots - 1);
            }

            table[position] = new Slot(key, WebSpec.KeyValue(id));
        }

        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(table.AsSpan());
        for (long offset = 0; offset < bytes.Length; offset += 1 << 20)
        {
            ReadOnlySpan<byte> chunk = bytes.Slice((int)offset, (int)Math.Min(1 << 20, bytes.Length - offset));
            _memory.Write(offset, chunk);
        }

        byte[] value = new byte[spec.ValueSize];
        for (long i = 0; i < spec.Values; i++)
        {
            WebSpec.FillValue(i, value);
            _memory.Write(_valuesOffset + (i * spec.ValueSize), value);
        }
    }

    public override WorkerResult RunWorker(WebRun run)
    {
        PagedMemory memory = _memory!;
        using var compute = new RequestCompute(run.Spec.ValueSize);
        Span<WebKey> keys = stackalloc WebKey[WebSpec.LookupsPerRequest];
        byte[] value = new byte[_valueSize];
        ulong checksum = 0;
        while (run.TryNext(out long r))
        {
            run.Spec.DrawKeys(run.Seed, r, keys);
            int sum = 0;
            foreach (WebKey key in keys)
            {
                sum += Lookup(memory, key);
            }

            long index = run.Spec.ValueIndex(sum);
            memory.Read(_valuesOffset + (index * _valueSize), value);
            compute.Encrypt(value);
            checksum += Finish(compute, r, index);
        }

        return new WorkerResult(checksum, compute.OutputBytes);
    }

    public override SystemCounters ReadCounters()
    {
        PagingStats stats = _memory!.GetStats();
        return new SystemCounters(stats.BytesFromFar, stats.BytesToFar, stats.LocalBytesPeak);
    }

    public override void Dispose() => _memory?.Dispose();

    private int Lookup(PagedMemory memory, WebKey key)
    {
        long position = Home(key);
        while (true)
        {
            Slot slot = memory.Read<Slot>(position * Marshal.SizeOf<Slot>());
            if (slot.Key.Equals(key))
            {
                return slot.Value;
            }

            if (slot.Key.Equals(default))
            {
                return 0;
            }

            position = (position + 1) & (_slots - 1);
        }
    }

    private long Home(WebKey key) => (long)((ulong)(uint)key.GetHashCode() * 0x9E3779B97F4A7C15UL >> 20) & (_slots - 1);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Slot(WebKey Key, int Value);
}
