using System.Runtime.InteropServices;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// A 12-byte key as AIFM's web front-end uses: the ASCII text <c>k</c> followed by the id in 11
/// digits, held as three ints so it is an unmanaged, fixed-size key for every system.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct WebKey : IEquatable<WebKey>
{
    public const int Size = 12;

    private readonly int _a;
    private readonly int _b;
    private readonly int _c;

    private WebKey(int a, int b, int c) => (_a, _b, _c) = (a, b, c);

    /// <summary>The key of id <paramref name="id"/> with the prefix letter <paramref name="prefix"/> (<c>k</c> keys, <c>v</c> values).</summary>
    public static WebKey Of(char prefix, long id)
    {
        Span<byte> text = stackalloc byte[Size];
        text[0] = (byte)prefix;
        for (int i = Size - 1; i >= 1; i--)
        {
            text[i] = (byte)('0' + (id % 10));
            id /= 10;
        }

        ReadOnlySpan<int> ints = MemoryMarshal.Cast<byte, int>(text);
        return new WebKey(ints[0], ints[1], ints[2]);
    }

    /// <summary>Writes the key's 12 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        WebKey copy = this;
        MemoryMarshal.Write(destination, in copy);
    }

    /// <summary>The key's 12 bytes in a new array (for clients that want one).</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public bool Equals(WebKey other) => _a == other._a && _b == other._b && _c == other._c;

    public override bool Equals(object? obj) => obj is WebKey other && Equals(other);

    public override int GetHashCode()
    {
        // The last eight bytes go in whole (no overlap, so no systematic collisions), the first four mixed apart.
        ulong h = Mix.Mix64((((ulong)(uint)_b << 32) | (uint)_c) ^ Mix.Mix64((uint)_a));
        return (int)(h ^ (h >> 32));
    }

    public override string ToString() => System.Text.Encoding.ASCII.GetString(ToArray());
}
