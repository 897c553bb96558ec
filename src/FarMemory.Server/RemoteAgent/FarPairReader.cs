using FarMemory.Offload;
using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// A hash table argument's pairs, read in place: object i is one pair laid out as
/// <see cref="Layout"/> says. The table's index lives on the client, so a call names the objects
/// (candidates) that may hold a key, and the reader compares keys byte for byte in the store.
/// </summary>
public sealed class FarPairReader
{
    private readonly StoredStructure _structure;
    private readonly FarCallContext _context;

    internal FarPairReader(StoredStructure structure, FarPairLayout layout, FarCallContext context)
    {
        _structure = structure;
        _context = context;
        Layout = layout;
    }

    public FarPairLayout Layout { get; }

    /// <summary>
    /// Which of <paramref name="candidates"/> holds <paramref name="key"/> (its index, or -1), as the
    /// store holds it now; copies that pair's value into <paramref name="value"/> when it is not empty.
    /// </summary>
    public int Find(ReadOnlySpan<byte> key, ReadOnlySpan<long> candidates, Span<byte> value = default) =>
        FindPair(_structure, _context, Layout, key, candidates, value);

    internal static int FindPair(StoredStructure structure, FarCallContext context, FarPairLayout layout, ReadOnlySpan<byte> key, ReadOnlySpan<long> candidates, Span<byte> value)
    {
        if (key.Length != layout.KeyBytes)
        {
            throw new FarOperationArgumentException($"A key of this table is {layout.KeyBytes} bytes, not {key.Length}.");
        }

        if (!value.IsEmpty && value.Length != layout.ValueBytes)
        {
            throw new FarOperationArgumentException($"A value of this table is {layout.ValueBytes} bytes, not {value.Length}.");
        }

        context.EnterLock(structure.SyncRoot);
        try
        {
            for (int i = 0; i < candidates.Length; i++)
            {
                if (!structure.TryGet(candidates[i], out ReadOnlySpan<byte> pair))
                {
                    continue;
                }

                if (pair.Length != layout.PairBytes)
                {
                    throw new FarOperationArgumentException($"Object {candidates[i]} is {pair.Length} bytes, not a pair of {layout.PairBytes}: the table's key or value size is not what the call says.");
                }

                if (pair[..layout.KeyBytes].SequenceEqual(key))
                {
                    if (!value.IsEmpty)
                    {
                        pair.Slice(layout.ValueOffset, layout.ValueBytes).CopyTo(value);
                    }

                    return i;
                }
            }

            return -1;
        }
        finally
        {
            context.ExitLock(structure.SyncRoot);
        }
    }
}
