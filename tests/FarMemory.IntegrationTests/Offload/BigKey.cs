using System.Runtime.CompilerServices;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>A 256-byte key (an id and zero padding), so a pair is much bigger than its 8-byte value.</summary>
internal struct BigKey : IEquatable<BigKey>
{
    public long Id;
    public Padding Pad;

    public BigKey(long id)
    {
        Id = id;
        Pad = default;
    }

    public readonly bool Equals(BigKey other) => Id == other.Id;

    public override readonly bool Equals(object? obj) => obj is BigKey other && Equals(other);

    public override readonly int GetHashCode() => Id.GetHashCode();

    [InlineArray(31)]
    internal struct Padding
    {
        private long _element;
    }
}
