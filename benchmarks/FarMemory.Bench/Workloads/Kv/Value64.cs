using System.Runtime.CompilerServices;
using FarMemory.Bench.Workloads.Web;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// The key-value workload's value: 64 bytes, fixed size and unmanaged, so every system stores it
/// as is (a struct in a dictionary, a far object, a blittable FASTER record, 64 bytes in redis).
/// </summary>
[InlineArray(Words)]
internal struct Value64
{
    public const int Size = Words * sizeof(ulong);

    private const int Words = 8;

    private ulong _word;

    /// <summary>The value <paramref name="key"/> holds at <paramref name="version"/> (0: as loaded; a put's is its operation number + 1).</summary>
    public static Value64 For(long key, ulong version)
    {
        var value = default(Value64);
        ulong state = Mix.Mix64(((ulong)key * 0x9E3779B97F4A7C15UL) ^ version);
        for (int i = 0; i < Words; i++)
        {
            value[i] = Mix.Next(ref state);
        }

        return value;
    }

    /// <summary>A digest of all 64 bytes, so a checksum notices any wrong byte.</summary>
    public readonly ulong Digest()
    {
        ulong digest = 0;
        for (int i = 0; i < Words; i++)
        {
            digest = Mix.Mix64(digest ^ this[i]);
        }

        return digest;
    }
}
