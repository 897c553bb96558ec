namespace FarMemory.Offload;

/// <summary>
/// How a hash table's pair object is laid out: the key at offset 0, the value at
/// <see cref="ValueOffset"/>, <see cref="PairBytes"/> in all (the struct layout may pad between and after).
/// Travels in the length field of a <see cref="FarStructureKind.HashTable"/> structure reference.
/// </summary>
public readonly record struct FarPairLayout(int PairBytes, int KeyBytes, int ValueOffset, int ValueBytes)
{
    /// <summary>Largest key, value or pair the wire format describes.</summary>
    public const int MaxBytes = ushort.MaxValue;

    /// <summary>Whether the parts fit in the pair without overlapping, each within <see cref="MaxBytes"/>.</summary>
    public bool IsValid =>
        KeyBytes > 0 && ValueBytes > 0 && PairBytes <= MaxBytes && ValueOffset >= KeyBytes &&
        (long)ValueOffset + ValueBytes <= PairBytes;

    /// <summary>The reference's i64: u16 key bytes, u16 value offset, u16 value bytes, u16 zero (the pair's size is the elements-per-object field).</summary>
    public long Pack() => (long)(ushort)KeyBytes | ((long)(ushort)ValueOffset << 16) | ((long)(ushort)ValueBytes << 32);

    /// <summary>The layout packed by <see cref="Pack"/>; null when the top 16 bits are not zero or the parts do not fit.</summary>
    public static FarPairLayout? Unpack(int pairBytes, long packed)
    {
        if ((ulong)packed >> 48 != 0)
        {
            return null;
        }

        var layout = new FarPairLayout(pairBytes, (ushort)packed, (ushort)(packed >> 16), (ushort)(packed >> 32));
        return layout.IsValid ? layout : null;
    }
}
