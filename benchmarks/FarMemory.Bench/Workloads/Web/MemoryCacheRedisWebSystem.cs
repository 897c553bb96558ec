using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using StackExchange.Redis;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// The front-end as a .NET developer would write it without a far-memory library: every key and
/// value in redis, and a size-limited <see cref="MemoryCache"/> of them in front (cache-aside).
/// A request looks its 32 keys up in the cache, sends the misses to redis as one batch and caches
/// what comes back; the value is a cache hit or a single GET that is then cached. The cache's
/// <c>SizeLimit</c> is the local ratio of the data's declared bytes (16 per key, the value's size
/// per value), not of the entries' real footprint, which is several times larger for the keys.
/// </summary>
internal sealed class MemoryCacheRedisWebSystem(RedisServer redis, double ratio) : WebSystem
{
    /// <summary>Payload bytes sent between waits while loading, so the client's queue stays bounded.</summary>
    private const long LoadWindowBytes = 32L << 20;

    private readonly LookupHits _hits = new();
    private readonly PeakGauge _peak = new();
    private readonly MemoryCacheEntryOptions _keyEntry = new() { Size = WebSpec.PairBytes };
    private MemoryCacheEntryOptions _valueEntry = new();
    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;
    private MemoryCache? _cache;
    private long _sizeLimit;
    private int _valueSize;
    private long _bytesFromFar;

    public override string Name => "memorycache-redis";

    public override long BudgetBytes => _sizeLimit;

    public override void Load(WebSpec spec)
    {
        _sizeLimit = Math.Max(1, (long)(ratio * spec.DataBytes));
        _valueSize = spec.ValueSize;
        _valueEntry = new MemoryCacheEntryOptions { Size = spec.ValueSize };
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _sizeLimit, TrackStatistics = true });
        _connection = redis.Connect();
        _database = _connection.GetDatabase();
        redis.Flush(_connection);

        // Fire-and-forget SETs, pipelined on the one connection; a PING every window waits for the
        // ones before it (redis answers in order), which bounds what the client buffers.
        long window = 0;
        for (long id = 0; id < spec.Keys; id++)
        {
            _database.StringSet(WebKey.Of('k', id).ToArray(), WebSpec.KeyValue(id), flags: CommandFlags.FireAndForget);
            window = Flow(window, WebSpec.PairBytes);
        }

        for (long i = 0; i < spec.Values; i++)
        {
            // A fresh array each time: the queued command holds on to it until it is written.
            byte[] value = new byte[spec.ValueSize];
            WebSpec.FillValue(i, value);
            _database.StringSet(WebKey.Of('v', i).ToArray(), value, flags: CommandFlags.FireAndForget);
            window = Flow(window, spec.ValueSize);
        }

        _database.Ping();
    }

    public override WorkerResult RunWorker(WebRun run)
    {
        MemoryCache cache = _cache!;
        IDatabase database = _database!;
        using var compute = new RequestCompute(run.Spec.ValueSize);
        Span<WebKey> keys = stackalloc WebKey[WebSpec.LookupsPerRequest];
        object[] cacheKeys = new object[WebSpec.LookupsPerRequest];
        int[] missed = new int[WebSpec.LookupsPerRequest];
        var fetches = new Task<RedisValue>[WebSpec.LookupsPerRequest];
        long keyLookups = 0, keyHits = 0, valueReads = 0, valueHits = 0, fromFar = 0, requests = 0;
        ulong checksum = 0;
        while (run.TryNext(out long r))
        {
            run.Spec.DrawKeys(run.Seed, r, keys);
            int sum = 0;
            int misses = 0;
            for (int i = 0; i < keys.Length; i++)
            {
                cacheKeys[i] = keys[i];
                if (cache.TryGetValue(cacheKeys[i], out object? cached))
                {
                    sum += (int)cached!;
                }
                else
                {
                    missed[misses++] = i;
                }
            }

            keyLookups += keys.Length;
            keyHits += keys.Length - misses;
            if (misses > 0)
            {
                IBatch batch = database.CreateBatch();
                for (int m = 0; m < misses; m++)
                {
                    fetches[m] = batch.StringGetAsync(keys[missed[m]].ToArray());
                }

                batch.Execute();

                // Workers are threads of their own (as in the paper), so they block on the replies.
                for (int m = 0; m < misses; m++)
                {
                    RedisValue reply = fetches[m].GetAwaiter().GetResult();
                    int value = reply.IsNull ? throw Missing(keys[missed[m]]) : (int)reply;
                    fromFar += reply.Length();
                    cache.Set(cacheKeys[missed[m]], value, _keyEntry);
                    sum += value;
                }
            }

            long index = run.Spec.ValueIndex(sum);
            object valueKey = WebKey.Of('v', index);
            valueReads++;
            if (cache.TryGetValue(valueKey, out object? hit))
            {
                valueHits++;
                compute.Encrypt((byte[])hit!);
            }
            else
            {
                byte[] bytes = (byte[]?)database.StringGet(((WebKey)valueKey).ToArray()) ?? throw Missing((WebKey)valueKey);
                fromFar += bytes.Length;
                cache.Set(valueKey, bytes, _valueEntry);
                compute.Encrypt(bytes);
            }

            checksum += Finish(compute, r, index);
            if ((++requests & 63) == 0)
            {
                _peak.Observe(cache.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0);
            }
        }

        _hits.Add(keyLookups, keyHits, valueReads, valueHits);
        Interlocked.Add(ref _bytesFromFar, fromFar);
        return new WorkerResult(checksum, compute.OutputBytes);
    }

    public override SystemCounters ReadCounters()
    {
        _hits.Mark();
        _peak.Observe(_cache!.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0);
        return new SystemCounters(Interlocked.Read(ref _bytesFromFar), 0, _peak.Peak);
    }

    public override void Describe(JsonObject extra)
    {
        _hits.Describe(extra, WebSpec.PairBytes, _valueSize);
        MemoryCacheStatistics? stats = _cache!.GetCurrentStatistics();
        extra["cacheEntries"] = stats?.CurrentEntryCount;
        extra["cacheEstimatedBytes"] = stats?.CurrentEstimatedSize;
        extra["redisUsedMemoryBytes"] = redis.UsedMemory(_connection!);
        extra["note"] = "SizeLimit counts declared bytes (16 per key, the value's size per value), not the entries' real footprint; redis holds every key and value";
    }

    public override void Dispose()
    {
        _cache?.Dispose();
        if (_connection != null)
        {
            // Give redis's memory back before the next system loads.
            redis.Flush(_connection);
            _connection.Dispose();
        }
    }

    private static InvalidOperationException Missing(WebKey key) => new($"redis has no value for {key}.");

    private long Flow(long window, long bytes)
    {
        window += bytes;
        if (window < LoadWindowBytes)
        {
            return window;
        }

        _database!.Ping();
        return 0;
    }
}
