using System.Numerics;
using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary><c>farmem.count-where</c>: how many elements of a range satisfy a predicate (arguments: start, end, predicate). Answer: i64.</summary>
internal sealed class CountWhereOperation : VectorOperation
{
    public override FarOperationDescriptor Descriptor { get; } =
        Describe("farmem.count-where", [FarStructureParameter.ReadVector()], FarArgumentType.Int64, FarArgumentType.Int64, FarArgumentType.Bytes);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run<T>(FarCallContext context)
    {
        FarVectorReader<T> reader = context.Read<T>(0);
        (long start, long end) = Range(context, 0, reader.Length);
        var body = new Body<T> { Predicate = Predicate.Decode(context.GetBytes(2)), Mask = new byte[reader.ElementsPerObject] };
        ForEachChunk(context, reader, start, end, ref body);
        context.Result.Write(body.Count);
    }

    private struct Body<T> : IChunkBody<T>
        where T : unmanaged, INumber<T>
    {
        public Predicate Predicate;
        public byte[] Mask;
        public long Count;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit(ReadOnlySpan<T> values, long firstIndex)
        {
            Span<byte> mask = Mask.AsSpan(0, values.Length);
            Predicate.Evaluate(values, mask);
            long count = 0;
            foreach (byte m in mask)
            {
                count += m;
            }

            Count += count;
        }
    }
}
