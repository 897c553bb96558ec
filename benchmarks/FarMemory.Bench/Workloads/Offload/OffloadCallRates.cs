using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Collections;
using FarMemory.Offload;
using FarMemory.Scopes;
using Garnet;
using StackExchange.Redis;

namespace FarMemory.Bench.Workloads.Offload;

/// <summary>
/// Small pipelined calls side by side: a server-side hash-table get through the far-memory agent
/// (<c>table.Offload.TryGetAsync</c> on a table at local ratio 0.25) against an in-process Garnet
/// answering plain GET and a registered custom procedure doing the same lookup; 16 calls in flight
/// each, the same keys and 8-byte values.
/// </summary>
/// <remarks>
/// The far-memory figure counts the calls that reached the server (lookups of local pairs cost no
/// call and are not counted, though the 16 workers spend their time on them too), so all three are
/// server round trips per second.
/// </remarks>
internal static class OffloadCallRates
{
    private const int InFlight = 16;

    public static async Task<Dictionary<string, double>> MeasureAsync(BenchOptions options, FarServer server)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(server);
        int keys = options.Quick ? 100_000 : 1_000_000;
        TimeSpan run = options.Quick ? TimeSpan.FromSeconds(1.5) : TimeSpan.FromSeconds(5);
        var random = new Random(42);
        long[] keySet = new long[keys];
        for (int i = 0; i < keys; i++)
        {
            keySet[i] = random.NextInt64();
        }

        var rates = new Dictionary<string, double>
        {
            ["farmemory-offload-get"] = await FarMemoryAsync(server, keySet, run),
        };
        (rates["garnet-get"], rates["garnet-procedure"]) = await GarnetAsync(keySet, run);
        return rates;
    }

    private static async Task<double> FarMemoryAsync(FarServer server, long[] keySet, TimeSpan run)
    {
        TcpFarMemoryBackend backend = await server.ConnectAsync(connections: 2);
        long indexBytes = HashIndexSize.Measure<long, long>(keySet.Length, i => keySet[i]);
        long budget = indexBytes + (long)(0.25 * keySet.Length * 16) + (2 * 64 * 1024);
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = budget, Backend = backend });
        using RemHashTable<long, long> table = runtime.CreateHashTable<long, long>();
        using (DerefScope scope = runtime.EnterScope())
        {
            for (int i = 0; i < keySet.Length; i++)
            {
                table.Put(keySet[i], keySet[i] ^ 0x5555, scope);
                if ((i & 1023) == 0)
                {
                    scope.Renew();
                }
            }
        }

        FarHashTableOffload<long, long> offload = table.Offload;
        await RunAsync(keySet, TimeSpan.FromSeconds(0.3), async key => Check(key, await offload.TryGetAsync(key).ConfigureAwait(false)));
        long before = runtime.GetStats().OffloadCalls;
        double seconds = await RunAsync(keySet, run, async key => Check(key, await offload.TryGetAsync(key).ConfigureAwait(false)));
        long calls = runtime.GetStats().OffloadCalls - before;
        Console.WriteLine($"farmemory-offload-get: {calls} calls in {seconds:F2} s");
        return calls / seconds;
    }

    private static async Task<(double Get, double Procedure)> GarnetAsync(long[] keySet, TimeSpan run)
    {
        int port = FreePort();
        using var garnet = new GarnetServer(["--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--memory", "256m", "--index", "64m", "-q"]);
        garnet.Register.NewProcedure(GarnetGetProcedure.Name, () => new GarnetGetProcedure());
        garnet.Start();
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { new IPEndPoint(IPAddress.Loopback, port) },
            AbortOnConnectFail = true,
        });
        IDatabase db = redis.GetDatabase();
        for (int start = 0; start < keySet.Length; start += 1000)
        {
            var batch = new KeyValuePair<RedisKey, RedisValue>[Math.Min(1000, keySet.Length - start)];
            for (int i = 0; i < batch.Length; i++)
            {
                long key = keySet[start + i];
                batch[i] = new(Key(key), BitConverter.GetBytes(key ^ 0x5555));
            }

            await db.StringSetAsync(batch);
        }

        Func<long, Task> get = async key => Check(key, Value(await db.StringGetAsync(Key(key)).ConfigureAwait(false)));
        Func<long, Task> procedure = async key => Check(key, Value((RedisValue)await db.ExecuteAsync(GarnetGetProcedure.Name, Key(key)).ConfigureAwait(false)));
        await RunAsync(keySet, TimeSpan.FromSeconds(0.3), get);
        double getRate = await Rate(keySet, run, get);
        await RunAsync(keySet, TimeSpan.FromSeconds(0.3), procedure);
        double procedureRate = await Rate(keySet, run, procedure);
        return (getRate, procedureRate);
    }

    private static async Task<double> Rate(long[] keySet, TimeSpan run, Func<long, Task> call)
    {
        long count = 0;
        double seconds = await RunAsync(keySet, run, async key =>
        {
            await call(key).ConfigureAwait(false);
            Interlocked.Increment(ref count);
        });
        return count / seconds;
    }

    /// <summary>Runs <see cref="InFlight"/> workers, each issuing one call after another on random keys, for <paramref name="run"/>; returns the seconds taken.</summary>
    private static async Task<double> RunAsync(long[] keySet, TimeSpan run, Func<long, Task> call)
    {
        var clock = Stopwatch.StartNew();
        var workers = new Task[InFlight];
        for (int w = 0; w < InFlight; w++)
        {
            int seed = w;
            workers[w] = Task.Run(async () =>
            {
                var random = new Random(seed);
                while (clock.Elapsed < run)
                {
                    await call(keySet[random.Next(keySet.Length)]).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(workers);
        return clock.Elapsed.TotalSeconds;
    }

    private static RedisKey Key(long key) => BitConverter.GetBytes(key);

    private static long? Value(RedisValue value) => value.IsNull ? null : BitConverter.ToInt64((byte[])value!);

    private static void Check(long key, long? value)
    {
        if (value != (key ^ 0x5555))
        {
            throw new InvalidOperationException($"Key {key} read {value}, not {key ^ 0x5555}.");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
