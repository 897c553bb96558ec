using System.Buffers.Binary;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.hash-put</c>: for each key, overwrites the value in place in the candidate pair that
/// holds the key, or else writes a new pair to the key's spare object (the client allocated it in
/// its index and publishes it once the call succeeds); staged, all or nothing. Structures: the
/// table (written). Arguments: bytes keys, bytes values, bytes candidates, bytes spares. Answer per
/// key: i32 matching candidate, -1 (new pair at the spare) or -2 (neither) (see <see cref="Protocol.CallFormat"/>).
/// </summary>
internal sealed class HashPutOperation : IFarOperation
{
    /// <summary>A spare that names no object.</summary>
    public const uint NoSpare = uint.MaxValue;

    public FarOperationDescriptor Descriptor { get; } =
        new("farmem.hash-put", 1, [FarStructureParameter.WriteHashTable()], [FarArgumentType.Bytes, FarArgumentType.Bytes, FarArgumentType.Bytes, FarArgumentType.Bytes]);

    public void Execute(FarCallContext context)
    {
        FarPairWriter pairs = context.WritePairs(0);
        FarPairLayout layout = pairs.Layout;
        ReadOnlySpan<byte> keys = context.GetBytes(0);
        ReadOnlySpan<byte> values = context.GetBytes(1);
        ReadOnlySpan<byte> candidates = context.GetBytes(2);
        ReadOnlySpan<byte> spares = context.GetBytes(3);
        int n = HashCandidates.KeyCount(keys, layout);
        if (values.Length != (long)n * layout.ValueBytes)
        {
            throw new FarOperationArgumentException($"The values are {values.Length} bytes, not {n} of this table's {layout.ValueBytes}-byte values.");
        }

        if (spares.Length != (long)n * sizeof(uint))
        {
            throw new FarOperationArgumentException($"The spares are {spares.Length} bytes, not one u32 per key ({n}).");
        }

        Span<long> ids = stackalloc long[HashCandidates.MaxPerKey];
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            int count = HashCandidates.Next(candidates, ref at, ids);
            ReadOnlySpan<byte> key = keys.Slice(i * layout.KeyBytes, layout.KeyBytes);
            ReadOnlySpan<byte> value = values.Slice(i * layout.ValueBytes, layout.ValueBytes);
            int match = pairs.Find(key, ids[..count]);
            uint spare = BinaryPrimitives.ReadUInt32LittleEndian(spares[(i * sizeof(uint))..]);
            if (match >= 0)
            {
                pairs.WriteValue(ids[match], value);
            }
            else if (spare != NoSpare)
            {
                pairs.WritePair(spare, key, value);
                match = -1;
            }
            else
            {
                match = -2;
            }

            context.Result.Write(match);
            if (i % HashCandidates.CheckEvery == HashCandidates.CheckEvery - 1)
            {
                context.ThrowIfCancellationRequested();
            }
        }

        HashCandidates.CheckConsumed(candidates, at);
    }
}
