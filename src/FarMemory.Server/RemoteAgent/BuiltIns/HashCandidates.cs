using System.Buffers.Binary;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>Reads the per-key candidate lists of the hash-table operations (see <see cref="Protocol.CallFormat"/>).</summary>
internal static class HashCandidates
{
    /// <summary>Most candidates one key may name: more is a degenerate hash the client resolves itself.</summary>
    public const int MaxPerKey = 64;

    /// <summary>Keys between deadline checks.</summary>
    public const int CheckEvery = 1024;

    /// <summary>The number of keys in <paramref name="keys"/>; throws unless it is a whole number of keys.</summary>
    public static int KeyCount(ReadOnlySpan<byte> keys, FarPairLayout layout)
    {
        if (keys.Length % layout.KeyBytes != 0)
        {
            throw new FarOperationArgumentException($"The keys are {keys.Length} bytes: not a whole number of this table's {layout.KeyBytes}-byte keys.");
        }

        return keys.Length / layout.KeyBytes;
    }

    /// <summary>The next key's candidates, from <paramref name="at"/> on; returns how many were read into <paramref name="ids"/>.</summary>
    public static int Next(ReadOnlySpan<byte> list, ref int at, Span<long> ids)
    {
        if (at + sizeof(uint) > list.Length)
        {
            throw new FarOperationArgumentException("The candidate lists end before the keys do.");
        }

        uint count = BinaryPrimitives.ReadUInt32LittleEndian(list[at..]);
        at += sizeof(uint);
        if (count > MaxPerKey || at + ((long)count * sizeof(uint)) > list.Length)
        {
            throw new FarOperationArgumentException($"A key names {count} candidates: at most {MaxPerKey}, each a u32 object id, within the list.");
        }

        for (int i = 0; i < (int)count; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt32LittleEndian(list[at..]);
            at += sizeof(uint);
        }

        return (int)count;
    }

    /// <summary>Throws unless the lists were read to their end.</summary>
    public static void CheckConsumed(ReadOnlySpan<byte> list, int at)
    {
        if (at != list.Length)
        {
            throw new FarOperationArgumentException("The candidate lists run past the keys.");
        }
    }
}
