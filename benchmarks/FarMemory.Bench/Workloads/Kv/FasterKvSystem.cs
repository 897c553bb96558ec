using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Workloads.Web;
using FASTER.core;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// FASTER KV with blittable records (<c>long</c> key, <see cref="Value64"/> value) in a hybrid log
/// whose in-memory part is the local ratio of the data, the rest in a log file. Puts update in
/// place in the log's mutable region and append otherwise; records read from the file are copied
/// back to the tail. Each worker has its own session; a get that goes pending (to the file) is
/// completed at once, since the next operation may depend on it.
/// </summary>
/// <remarks>
/// As for the web front-end, the log file sits in the OS page cache, so the "device" is an upper
/// bound for a real disk.
/// </remarks>
internal sealed class FasterKvSystem(double ratio) : KvSystem
{
    /// <summary>RecordInfo (8 bytes) + key + value: a log record.</summary>
    private const int RecordBytes = 8 + KvSpec.PairBytes;

    private readonly GetHits _hits = new();
    private readonly PeakGauge _peak = new();
    private string? _directory;
    private IDevice? _device;
    private FasterKV<long, Value64>? _store;
    private FasterLogShape _shape;
    private long _indexBytes;
    private long _bytesFromFar;

    public override string Name => "faster-kv";

    public override long BudgetBytes => _shape.BudgetBytes;

    public override void Load(KvSpec spec)
    {
        _shape = FasterLogShape.For(Math.Max(1, (long)(ratio * spec.DataBytes)), 64 * RecordBytes);

        // About two buckets' worth of slots (7 per 64-byte bucket) per key, at least 1 MiB.
        _indexBytes = Math.Max(1L << 20, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)spec.Keys * 16));
        _directory = Directory.CreateTempSubdirectory("farmemory-faster-").FullName;
        _device = Devices.CreateLogDevice(Path.Combine(_directory, "kv.log"), preallocateFile: false, deleteOnClose: true);
        _store = new FasterKV<long, Value64>(new FasterKVSettings<long, Value64>
        {
            IndexSize = _indexBytes,
            PageSize = _shape.PageBytes,
            MemorySize = _shape.MemoryBytes,
            LogDevice = _device,
            ReadCopyOptions = new ReadCopyOptions(ReadCopyFrom.Device, ReadCopyTo.MainLog),
        });
        _shape.Apply(_store.Log);
        using ClientSession<long, Value64, Value64, Value64, Empty, SimpleFunctions<long, Value64, Empty>> session = NewSession();
        for (long key = 0; key < spec.Keys; key++)
        {
            Value64 value = KvSpec.Initial(key);
            session.Upsert(ref key, ref value);
            _shape.Throttle(_store.Log);
            if ((key & 1023) == 0)
            {
                _peak.Observe(FasterLogShape.HeldBytes(_store.Log));
            }
        }

        session.CompletePending(wait: true);
        _peak.Observe(FasterLogShape.HeldBytes(_store.Log));
    }

    public override KvWorker CreateWorker() => new Worker(this);

    public override SystemCounters ReadCounters()
    {
        _hits.Mark();
        _peak.Observe(FasterLogShape.HeldBytes(_store!.Log));
        return new SystemCounters(Interlocked.Read(ref _bytesFromFar), 0, _peak.Peak);
    }

    public override void Describe(JsonObject extra)
    {
        _hits.Describe(extra);
        _shape.Describe(extra, _store!.Log, _indexBytes);
        extra["note"] = "hits are gets that did not go pending; bytesFromFar counts the values of gets served from the log file; puts append to the log, which FASTER flushes to the file; localPeakBytes is the most log memory sampled (allocated and pooled pages, Log.MemorySizeBytes); the hash index is outside the budget";
    }

    public override void Dispose()
    {
        _store?.Dispose();
        _device?.Dispose();
        if (_directory != null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private ClientSession<long, Value64, Value64, Value64, Empty, SimpleFunctions<long, Value64, Empty>> NewSession() =>
        _store!.For(new SimpleFunctions<long, Value64, Empty>()).NewSession<SimpleFunctions<long, Value64, Empty>>();

    private sealed class Worker(FasterKvSystem system) : KvWorker
    {
        private readonly ClientSession<long, Value64, Value64, Value64, Empty, SimpleFunctions<long, Value64, Empty>> _session = system.NewSession();
        private long _gets;
        private long _pending;
        private long _operations;

        public override Value64 Get(long key)
        {
            Sample();
            _gets++;
            Value64 output = default;
            Status status = _session.Read(ref key, ref output);
            if (status.IsPending)
            {
                _pending++;
                _session.CompletePendingWithOutputs(out CompletedOutputIterator<long, Value64, Value64, Value64, Empty> outputs, wait: true);
                using (outputs)
                {
                    if (!outputs.Next())
                    {
                        throw new InvalidOperationException($"FASTER completed no read for key {key}.");
                    }

                    status = outputs.Current.Status;
                    output = outputs.Current.Output;
                }
            }

            return status.Found ? output : throw new InvalidOperationException($"FASTER read of key {key} returned {status}.");
        }

        public override void Put(long key, in Value64 value)
        {
            Sample();
            Value64 copy = value;
            if (_session.Upsert(ref key, ref copy).IsPending)
            {
                _session.CompletePending(wait: true);
            }
        }

        public override void Dispose()
        {
            _session.Dispose();
            system._hits.Add(_gets, _gets - _pending);
            Interlocked.Add(ref system._bytesFromFar, _pending * Value64.Size);
        }

        private void Sample()
        {
            if ((++_operations & 255) == 0)
            {
                system._peak.Observe(FasterLogShape.HeldBytes(system._store!.Log));
            }
        }
    }
}
