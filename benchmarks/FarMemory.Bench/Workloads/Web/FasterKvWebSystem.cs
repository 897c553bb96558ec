using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using FASTER.core;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// The front-end on Microsoft's FASTER KV, the larger-than-memory store a .NET developer would reach
/// for: keys and values share one hybrid log whose in-memory part is the local ratio of the data,
/// the rest in a log file. Records read from the file are copied back to the tail, or the keys
/// loaded first would stay on the file for good. A request issues its 32 reads, completes the
/// pending ones together, then reads the value the same way; each worker has its own session.
/// </summary>
/// <remarks>
/// The log file is written by this process and fits in the OS page cache, and FASTER's managed
/// device on Linux does not bypass it, so a "device" read is a page-cache copy: an upper bound for
/// what a real disk would give. Reads land in per-worker pinned buffers (FASTER copies a record
/// into the output's span when it fits), so no read needs an output array of its own.
/// </remarks>
internal sealed class FasterKvWebSystem(double ratio) : WebSystem
{
    /// <summary>The hash index, as the peers were measured (about 3.6 M entries: room for 2 M keys).</summary>
    private const long IndexBytes = 32L << 20;

    /// <summary>The context of the value read; key reads carry their position in the request.</summary>
    private const int ValueRead = -1;

    private readonly LookupHits _hits = new();
    private readonly PeakGauge _peak = new();
    private string? _directory;
    private IDevice? _device;
    private FasterKV<SpanByte, SpanByte>? _store;
    private FasterLogShape _shape;
    private int _valueSize;
    private long _bytesFromFar;

    public override string Name => "faster-kv";

    public override long BudgetBytes => _shape.BudgetBytes;

    public override void Load(WebSpec spec)
    {
        _valueSize = spec.ValueSize;
        _shape = FasterLogShape.For(Math.Max(1, (long)(ratio * spec.DataBytes)), 4L * spec.ValueSize);
        _directory = Directory.CreateTempSubdirectory("farmemory-faster-").FullName;
        _device = Devices.CreateLogDevice(Path.Combine(_directory, "web.log"), preallocateFile: false, deleteOnClose: true);
        _store = new FasterKV<SpanByte, SpanByte>(new FasterKVSettings<SpanByte, SpanByte>
        {
            IndexSize = IndexBytes,
            PageSize = _shape.PageBytes,
            MemorySize = _shape.MemoryBytes,
            LogDevice = _device,
            ReadCopyOptions = new ReadCopyOptions(ReadCopyFrom.Device, ReadCopyTo.MainLog),
        });
        _shape.Apply(_store.Log);

        using ClientSession<SpanByte, SpanByte, SpanByte, SpanByteAndMemory, int, SpanByteFunctions<int>> session = NewSession();
        Span<byte> keyBytes = stackalloc byte[WebKey.Size];
        Span<byte> intBytes = stackalloc byte[sizeof(int)];
        byte[] valueBytes = GC.AllocateArray<byte>(spec.ValueSize, pinned: true);
        for (long id = 0; id < spec.Keys; id++)
        {
            WebKey.Of('k', id).WriteTo(keyBytes);
            MemoryMarshal.Write(intBytes, WebSpec.KeyValue(id));
            SpanByte key = SpanByte.FromFixedSpan(keyBytes);
            SpanByte value = SpanByte.FromFixedSpan(intBytes);
            session.Upsert(ref key, ref value);
            _shape.Throttle(_store.Log);
            if ((id & 1023) == 0)
            {
                _peak.Observe(FasterLogShape.HeldBytes(_store.Log));
            }
        }

        for (long i = 0; i < spec.Values; i++)
        {
            WebKey.Of('v', i).WriteTo(keyBytes);
            WebSpec.FillValue(i, valueBytes);
            SpanByte key = SpanByte.FromFixedSpan(keyBytes);
            SpanByte value = SpanByte.FromFixedSpan(valueBytes);
            session.Upsert(ref key, ref value);
            _shape.Throttle(_store.Log);
            _peak.Observe(FasterLogShape.HeldBytes(_store.Log));
        }

        session.CompletePending(wait: true);
    }

    public override WorkerResult RunWorker(WebRun run)
    {
        FasterKV<SpanByte, SpanByte> store = _store!;
        using ClientSession<SpanByte, SpanByte, SpanByte, SpanByteAndMemory, int, SpanByteFunctions<int>> session = NewSession();
        using var compute = new RequestCompute(run.Spec.ValueSize);
        Span<WebKey> keys = stackalloc WebKey[WebSpec.LookupsPerRequest];
        Span<byte> keyBytes = stackalloc byte[WebKey.Size];

        // FASTER writes outputs through raw pointers, also when a pending read completes later.
        byte[] found = GC.AllocateArray<byte>(WebSpec.LookupsPerRequest * sizeof(int), pinned: true);
        byte[] value = GC.AllocateArray<byte>(run.Spec.ValueSize, pinned: true);
        long keyHits = 0, valueHits = 0, fromFar = 0, requests = 0;
        ulong checksum = 0;
        while (run.TryNext(out long r))
        {
            run.Spec.DrawKeys(run.Seed, r, keys);
            int pending = 0;
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i].WriteTo(keyBytes);
                if (Read(session, keyBytes, Slot(found, i), i))
                {
                    pending++;
                }
            }

            keyHits += keys.Length - pending;
            if (pending > 0)
            {
                CompletePending(session, found, value);
                fromFar += pending * sizeof(int);
            }

            int sum = 0;
            foreach (int v in MemoryMarshal.Cast<byte, int>(found))
            {
                sum += v;
            }

            long index = run.Spec.ValueIndex(sum);
            WebKey.Of('v', index).WriteTo(keyBytes);
            if (Read(session, keyBytes, value, ValueRead))
            {
                CompletePending(session, found, value);
                fromFar += value.Length;
            }
            else
            {
                valueHits++;
            }

            compute.Encrypt(value);
            checksum += Finish(compute, r, index);
            if ((++requests & 63) == 0)
            {
                _peak.Observe(FasterLogShape.HeldBytes(store.Log));
            }
        }

        _hits.Add(requests * WebSpec.LookupsPerRequest, keyHits, requests, valueHits);
        Interlocked.Add(ref _bytesFromFar, fromFar);
        return new WorkerResult(checksum, compute.OutputBytes);
    }

    public override SystemCounters ReadCounters()
    {
        _hits.Mark();
        _peak.Observe(FasterLogShape.HeldBytes(_store!.Log));
        return new SystemCounters(Interlocked.Read(ref _bytesFromFar), 0, _peak.Peak);
    }

    public override void Describe(JsonObject extra)
    {
        _hits.Describe(extra, WebSpec.PairBytes, _valueSize);
        _shape.Describe(extra, _store!.Log, IndexBytes);
        extra["note"] = "hits are reads that did not go pending; bytesFromFar counts the payloads of reads served from the log file; localPeakBytes is the most log memory sampled (allocated and pooled pages, Log.MemorySizeBytes); the hash index is outside the budget";
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

    private static Span<byte> Slot(byte[] found, int i) => found.AsSpan(i * sizeof(int), sizeof(int));

    /// <summary>Starts a read into <paramref name="destination"/>; returns whether it went pending (to the log file).</summary>
    private static bool Read(ClientSession<SpanByte, SpanByte, SpanByte, SpanByteAndMemory, int, SpanByteFunctions<int>> session, Span<byte> keyBytes, Span<byte> destination, int context)
    {
        SpanByte key = SpanByte.FromFixedSpan(keyBytes);
        SpanByteAndMemory output = SpanByteAndMemory.FromFixedSpan(destination);
        Status status = session.Read(ref key, ref output, context);
        if (status.IsPending)
        {
            return true;
        }

        Take(status, ref output, destination);
        return false;
    }

    /// <summary>Waits for every pending read of this session and checks what each returned.</summary>
    private static void CompletePending(ClientSession<SpanByte, SpanByte, SpanByte, SpanByteAndMemory, int, SpanByteFunctions<int>> session, byte[] found, byte[] value)
    {
        session.CompletePendingWithOutputs(out CompletedOutputIterator<SpanByte, SpanByte, SpanByte, SpanByteAndMemory, int> outputs, wait: true);
        using (outputs)
        {
            while (outputs.Next())
            {
                ref CompletedOutput<SpanByte, SpanByte, SpanByte, SpanByteAndMemory, int> completed = ref outputs.Current;
                Take(completed.Status, ref completed.Output, completed.Context == ValueRead ? value : Slot(found, completed.Context));
            }
        }
    }

    /// <summary>
    /// Checks a finished read. The record is already in <paramref name="destination"/> unless it did
    /// not fit there, in which case FASTER rented memory for it: copy and return that.
    /// </summary>
    private static void Take(Status status, ref SpanByteAndMemory output, Span<byte> destination)
    {
        if (!status.Found)
        {
            throw new InvalidOperationException($"FASTER read returned {status}.");
        }

        if (!output.IsSpanByte)
        {
            using (output.Memory)
            {
                output.Memory.Memory.Span[..output.Length].CopyTo(destination);
            }
        }

        if (output.Length != destination.Length)
        {
            throw new InvalidOperationException($"FASTER returned {output.Length} bytes where {destination.Length} were stored.");
        }
    }

    private ClientSession<SpanByte, SpanByte, SpanByte, SpanByteAndMemory, int, SpanByteFunctions<int>> NewSession() =>
        _store!.For(new SpanByteFunctions<int>()).NewSession<SpanByteFunctions<int>>();
}
