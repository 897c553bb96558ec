using FarMemory.Bench.Infrastructure;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// The data and the request stream of the web front-end, the same for every system: <see cref="Keys"/>
/// 12-byte keys with 4-byte values, and <see cref="Values"/> values of <see cref="ValueSize"/> bytes.
/// A request draws 32 keys zipf(<see cref="Skew"/>), sums their values, reads the value that sum
/// picks and encrypts and compresses it. Everything is derived from integer mixes of ids and request
/// numbers, so the stream does not depend on the worker count or on scheduling.
/// </summary>
internal sealed class WebSpec
{
    public const int LookupsPerRequest = 32;

    /// <summary>Bytes of one key and its value, the unit <see cref="DataBytes"/> counts for the table.</summary>
    public const int PairBytes = WebKey.Size + sizeof(int);

    /// <summary>The seed of the measured stream; the warm-up stream uses another.</summary>
    public const ulong MeasuredSeed = 42;

    public const ulong WarmupSeed = 7;

    public long Keys { get; init; }

    public long Values { get; init; }

    public int ValueSize { get; init; }

    public double Skew { get; init; }

    public int Requests { get; init; }

    public int Warmup { get; init; }

    public int Workers { get; init; }

    public required ZipfGenerator Zipf { get; init; }

    /// <summary>The logical data: every pair and every value, with no system's overhead.</summary>
    public long DataBytes => (Keys * PairBytes) + (Values * ValueSize);

    /// <summary>
    /// AIFM's shape scaled to <c>--size</c> (default 2 M keys and 64 Ki values of 8 KiB, about 569 MB,
    /// as in the peers' measurements; <c>--quick</c> 200 k keys and 6 Ki values).
    /// </summary>
    public static WebSpec From(BenchOptions options)
    {
        int valueSize = options.ValueSize ?? 8192;
        if (valueSize < 16 || !int.IsPow2(valueSize))
        {
            throw new ArgumentOutOfRangeException(nameof(options), valueSize, "--value-size must be a power of two of at least 16 bytes.");
        }

        // Keys per value as in the default shape (2,000,000 keys : 65,536 values).
        const double KeysPerValue = 2_000_000 / 65_536.0;
        long values = options.SizeBytes is long size
            ? Math.Max(16, (long)(size / (valueSize + (KeysPerValue * PairBytes))))
            : options.Quick ? 6_144 : 65_536;
        long keys = options.SizeBytes is null && !options.Quick ? 2_000_000 : Math.Max(64, (long)(values * KeysPerValue));
        double skew = options.Skew ?? 0.99;
        return new WebSpec
        {
            Keys = keys,
            Values = values,
            ValueSize = valueSize,
            Skew = skew,
            Requests = options.Requests ?? (options.Quick ? 4_000 : 50_000),
            Warmup = options.Quick ? 2_000 : 25_000,
            Workers = options.Workers ?? 4,
            Zipf = new ZipfGenerator(keys, skew),
        };
    }

    /// <summary>The value stored under key id <paramref name="id"/>.</summary>
    public static int KeyValue(long id) => (int)(Mix.Mix64((ulong)id ^ 0xABCDEF) % 1_000_000);

    /// <summary>Fills <paramref name="destination"/> with value <paramref name="index"/>'s pseudo-random bytes.</summary>
    public static void FillValue(long index, Span<byte> destination)
    {
        Span<ulong> words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(destination);
        ulong state = Mix.Mix64((ulong)index + 0x5EED);
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = Mix.Next(ref state);
        }
    }

    /// <summary>The 32 keys of request <paramref name="request"/> of the stream <paramref name="seed"/>.</summary>
    public void DrawKeys(ulong seed, long request, Span<WebKey> keys)
    {
        ulong state = Mix.Mix64(seed ^ ((ulong)request * 0xD1B54A32D192ED03UL));
        for (int i = 0; i < keys.Length; i++)
        {
            long rank = Zipf.Rank(Mix.NextDouble(ref state));
            keys[i] = WebKey.Of('k', KeyId(rank));
        }
    }

    /// <summary>Spreads popular ranks over the id space (a bijection: 1,000,003 is prime).</summary>
    public long KeyId(long rank) => (long)((((ulong)rank * 1_000_003UL) + 12_345UL) % (ulong)Keys);

    /// <summary>The value a request reads, chosen by the sum of its keys' values.</summary>
    public long ValueIndex(int sum) => (long)(Mix.Mix64((uint)sum) % (ulong)Values);

    /// <summary>A request's share of the checksum; the sum over requests does not depend on their order.</summary>
    public static ulong Contribution(long request, long valueIndex, int outputBytes) =>
        Mix.Mix64(((ulong)request << 32) ^ ((ulong)valueIndex << 16) ^ (uint)outputBytes);
}
