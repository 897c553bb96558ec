using System.Numerics;
using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.unique</c>: the distinct values of a range, ascending. Answer: i64 count, then the
/// values in the vector's own type. Bounded by the result cap; the set itself by the call's write cap.
/// </summary>
internal sealed class UniqueOperation : VectorOperation
{
    public override FarOperationDescriptor Descriptor { get; } =
        Describe("farmem.unique", [FarStructureParameter.ReadVector()], FarArgumentType.Int64, FarArgumentType.Int64);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run<T>(FarCallContext context)
    {
        FarVectorReader<T> reader = context.Read<T>(0);
        (long start, long end) = Range(context, 0, reader.Length);
        var body = new Body<T> { Seen = new HashSet<T>(), Context = context };
        ForEachChunk(context, reader, start, end, ref body);
        T[] values = [.. body.Seen];
        Array.Sort(values);
        context.Result.Write((long)values.Length);
        context.Result.Write<T>(values);
    }

    private struct Body<T> : IChunkBody<T>
        where T : unmanaged, INumber<T>
    {
        public HashSet<T> Seen;
        public FarCallContext Context;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit(ReadOnlySpan<T> values, long firstIndex)
        {
            foreach (T v in values)
            {
                if (Seen.Add(v))
                {
                    // A set entry costs about 24 bytes besides the value: bound it like staged writes.
                    Context.ChargeStaged(24 + System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
                }
            }
        }
    }
}
