using Garnet.common;
using Garnet.server;
using Tsavorite.core;

namespace FarMemory.Bench.Workloads.Offload;

/// <summary>A Garnet custom procedure doing what GET does (one key in, its value out), so the bench sees the cost of Garnet's server-side extension path next to its native command.</summary>
internal sealed class GarnetGetProcedure : CustomProcedure
{
    public const string Name = "FMGET";

    public override bool Execute<TGarnetApi>(TGarnetApi garnetApi, ref CustomProcedureInput procInput, ref MemoryResult<byte> output)
    {
        int offset = 0;
        PinnedSpanByte key = GetNextArg(ref procInput, ref offset);
        if (garnetApi.GET(key, out PinnedSpanByte value) == GarnetStatus.OK)
        {
            WriteBulkString(ref output, value.Span);
        }
        else
        {
            WriteBulkString(ref output, []);
        }

        return true;
    }
}
