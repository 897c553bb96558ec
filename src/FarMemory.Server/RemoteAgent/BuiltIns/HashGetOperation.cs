using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.hash-get</c>: looks keys up in a hash table's pairs in place, given each key's
/// candidate objects from the client's index, so only the values travel back. Structures: the
/// table (read). Arguments: bytes keys, bytes candidates. Answer per key: i32 matching candidate
/// (-1: none), then the value bytes if one matched (see <see cref="Protocol.CallFormat"/>).
/// </summary>
internal sealed class HashGetOperation : IFarOperation
{
    public FarOperationDescriptor Descriptor { get; } =
        new("farmem.hash-get", 1, [FarStructureParameter.ReadHashTable()], [FarArgumentType.Bytes, FarArgumentType.Bytes]);

    public void Execute(FarCallContext context)
    {
        FarPairReader pairs = context.ReadPairs(0);
        FarPairLayout layout = pairs.Layout;
        ReadOnlySpan<byte> keys = context.GetBytes(0);
        ReadOnlySpan<byte> candidates = context.GetBytes(1);
        int n = HashCandidates.KeyCount(keys, layout);
        Span<long> ids = stackalloc long[HashCandidates.MaxPerKey];
        byte[] value = new byte[layout.ValueBytes];
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            int count = HashCandidates.Next(candidates, ref at, ids);
            int match = pairs.Find(keys.Slice(i * layout.KeyBytes, layout.KeyBytes), ids[..count], value);
            context.Result.Write(match);
            if (match >= 0)
            {
                context.Result.Write<byte>(value);
            }

            if (i % HashCandidates.CheckEvery == HashCandidates.CheckEvery - 1)
            {
                context.ThrowIfCancellationRequested();
            }
        }

        HashCandidates.CheckConsumed(candidates, at);
    }
}
