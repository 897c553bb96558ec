using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Workloads.Web;
using Microsoft.Extensions.Caching.Memory;
using StackExchange.Redis;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// Redis holds every pair, with a size-limited <see cref="MemoryCache"/> in front: a get is a cache
/// hit or a GET that is then cached; a put writes through (a synchronous SET, then the cache), so
/// redis always has the latest value and the cache never holds a stale one. <c>SizeLimit</c> is the
/// local ratio of the data's declared bytes (72 per pair), not of the entries' real footprint.
/// </summary>
internal sealed class MemoryCacheRedisKvSystem(RedisServer redis, double ratio) : KvSystem
{
    /// <summary>Payload bytes sent between waits while loading, so the client's queue stays bounded.</summary>
    private const long LoadWindowBytes = 32L << 20;

    private readonly MemoryCacheEntryOptions _entry = new() { Size = KvSpec.PairBytes };
    private readonly GetHits _hits = new();
    private readonly PeakGauge _peak = new();
    private ConnectionMultiplexer? _connection;
    private IDatabase? _database;
    private MemoryCache? _cache;
    private long _sizeLimit;
    private long _bytesFromFar;
    private long _bytesToFar;

    public override string Name => "memorycache-redis";

    public override long BudgetBytes => _sizeLimit;

    public override void Load(KvSpec spec)
    {
        _sizeLimit = Math.Max(1, (long)(ratio * spec.DataBytes));
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _sizeLimit, TrackStatistics = true });
        _connection = redis.Connect();
        _database = _connection.GetDatabase();
        redis.Flush(_connection);

        // Fire-and-forget SETs, pipelined; a PING every window waits for those before it.
        long window = 0;
        for (long key = 0; key < spec.Keys; key++)
        {
            _database.StringSet(RedisKeyOf(key), Bytes(KvSpec.Initial(key)), flags: CommandFlags.FireAndForget);
            window += KvSpec.PairBytes;
            if (window >= LoadWindowBytes)
            {
                _database.Ping();
                window = 0;
            }
        }

        _database.Ping();
    }

    public override KvWorker CreateWorker() => new Worker(this);

    public override SystemCounters ReadCounters()
    {
        _hits.Mark();
        _peak.Observe(_cache!.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0);
        return new SystemCounters(Interlocked.Read(ref _bytesFromFar), Interlocked.Read(ref _bytesToFar), _peak.Peak);
    }

    public override void Describe(JsonObject extra)
    {
        _hits.Describe(extra);
        MemoryCacheStatistics? stats = _cache!.GetCurrentStatistics();
        extra["cacheEntries"] = stats?.CurrentEntryCount;
        extra["cacheEstimatedBytes"] = stats?.CurrentEstimatedSize;
        extra["redisUsedMemoryBytes"] = redis.UsedMemory(_connection!);
        extra["note"] = "SizeLimit counts declared bytes (72 per pair), not the entries' real footprint; redis holds every pair; puts write through";
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

    /// <summary>The key's 8 bytes, as a binary redis key.</summary>
    private static RedisKey RedisKeyOf(long key) => BitConverter.GetBytes(key);

    /// <summary>A fresh array each time: a queued command holds on to it until it is written.</summary>
    private static byte[] Bytes(in Value64 value) => MemoryMarshal.AsBytes(new ReadOnlySpan<Value64>(in value)).ToArray();

    private sealed class Worker(MemoryCacheRedisKvSystem system) : KvWorker
    {
        private readonly MemoryCache _cache = system._cache!;
        private readonly IDatabase _database = system._database!;
        private long _gets;
        private long _hits;
        private long _fromFar;
        private long _toFar;
        private long _operations;

        public override Value64 Get(long key)
        {
            Sample();
            _gets++;
            object cacheKey = key;
            if (_cache.TryGetValue(cacheKey, out object? cached))
            {
                _hits++;
                return (Value64)cached!;
            }

            byte[] bytes = (byte[]?)_database.StringGet(RedisKeyOf(key)) ?? throw new InvalidOperationException($"redis has no value for key {key}.");
            _fromFar += bytes.Length;
            Value64 value = MemoryMarshal.Read<Value64>(bytes);
            _cache.Set(cacheKey, value, system._entry);
            return value;
        }

        public override void Put(long key, in Value64 value)
        {
            Sample();
            byte[] bytes = Bytes(value);
            _database.StringSet(RedisKeyOf(key), bytes);
            _toFar += bytes.Length;
            _cache.Set((object)key, value, system._entry);
        }

        public override void Dispose()
        {
            system._hits.Add(_gets, _hits);
            Interlocked.Add(ref system._bytesFromFar, _fromFar);
            Interlocked.Add(ref system._bytesToFar, _toFar);
        }

        private void Sample()
        {
            if ((++_operations & 255) == 0)
            {
                system._peak.Observe(_cache.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0);
            }
        }
    }
}
