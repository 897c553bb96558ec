using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Workloads.Web;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// The key-value workload: <see cref="Keys"/> 8-byte keys with 64-byte values, 95% gets and 5% puts,
/// keys drawn zipf(<see cref="Skew"/>).
/// </summary>
/// <remarks>
/// <para><b>Why every system gets the same checksum.</b> A get's result depends on the puts before
/// it, so with workers racing on shared keys the checksum would depend on the interleaving. Instead
/// the keys are partitioned: worker <c>w</c> only touches keys with <c>key % Workers == w</c>, and
/// runs its own fixed sequence of operations, so every get sees exactly the puts its own worker
/// made before it, in program order, whatever the other workers do. Any system that reads its own
/// writes then returns the same values, and the checksum (a wrapping sum over gets of a mix of the
/// operation number and a digest of the 64 bytes read) is the same for all of them and for any
/// schedule. Each worker draws from its own zipf over its share of the keys, so the hot set is as
/// skewed in every partition (and the whole hot set is <see cref="Workers"/> times as wide).</para>
/// <para><b>The stream.</b> Operation <c>j</c> of worker <c>w</c> is number <c>i = w × OpsPerWorker + j</c>
/// of the pass, and its randomness is <c>Mix64(seed ^ i × C)</c> alone; a put writes
/// <see cref="Value64.For"/>(key, i + 1), so the load (version 0), the warm-up and the measured
/// pass all write distinct values.</para>
/// </remarks>
internal sealed class KvSpec
{
    public const double PutFraction = 0.05;

    /// <summary>Bytes of one pair as the data counts it (no system's overhead).</summary>
    public const int PairBytes = sizeof(long) + Value64.Size;

    public const ulong MeasuredSeed = 42;

    public const ulong WarmupSeed = 7;

    public long Keys => KeysPerWorker * Workers;

    public long KeysPerWorker { get; init; }

    public int Workers { get; init; }

    public double Skew { get; init; }

    /// <summary>Operations of the measured pass (a multiple of <see cref="Workers"/>).</summary>
    public long Operations { get; init; }

    public long Warmup { get; init; }

    public required ZipfGenerator Zipf { get; init; }

    public long DataBytes => Keys * PairBytes;

    /// <summary>2 M keys (144 MB) and 2 M operations by default; <c>--quick</c> 100 k keys and 200 k operations.</summary>
    public static KvSpec From(BenchOptions options)
    {
        int workers = options.Workers ?? 4;
        if (workers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), workers, "--workers must be at least 1.");
        }

        long keys = options.SizeBytes is long size ? size / PairBytes : options.Quick ? 100_000 : 2_000_000;
        long perWorker = Math.Max(16, keys / workers);
        long operations = options.Requests ?? (options.Quick ? 200_000 : 2_000_000);
        double skew = options.Skew ?? 0.99;
        return new KvSpec
        {
            KeysPerWorker = perWorker,
            Workers = workers,
            Skew = skew,
            Operations = Math.Max(1, operations / workers) * workers,
            Warmup = Math.Max(1, operations / 4 / workers) * workers,
            Zipf = new ZipfGenerator(perWorker, skew),
        };
    }

    /// <summary>The value every key holds after the load.</summary>
    public static Value64 Initial(long key) => Value64.For(key, 0);

    /// <summary>Operation <paramref name="j"/> of <paramref name="worker"/>: its number, whether it is a put, and its key.</summary>
    public (long Number, bool Put, long Key) Operation(ulong seed, int worker, long j, long opsPerWorker)
    {
        long number = (worker * opsPerWorker) + j;
        ulong state = Mix.Mix64(seed ^ ((ulong)number * 0xD1B54A32D192ED03UL));
        bool put = Mix.NextDouble(ref state) < PutFraction;
        long rank = Zipf.Rank(Mix.NextDouble(ref state));
        return (number, put, (Scatter(rank) * Workers) + worker);
    }

    /// <summary>A get's share of the checksum; the sum over gets does not depend on their order.</summary>
    public static ulong Contribution(long number, in Value64 value) =>
        Mix.Mix64(((ulong)number * 0x9E3779B97F4A7C15UL) ^ value.Digest());

    /// <summary>Spreads popular ranks over the partition (a bijection while 1,000,003, a prime, does not divide it).</summary>
    private long Scatter(long rank) => (long)((((ulong)rank * 1_000_003UL) + 12_345UL) % (ulong)KeysPerWorker);
}
