using System.Numerics;
using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.where-indices</c> / <c>farmem.where-values</c>: appends to structure 1 the indices (a
/// long vector) or the values (a vector of the source's type) of the elements of a range of
/// structure 0 that satisfy a predicate (arguments: start, end, predicate). Answer: i64 count.
/// </summary>
internal sealed class WhereOperation : VectorOperation
{
    private readonly bool _values;

    public WhereOperation(bool values)
    {
        _values = values;
        Descriptor = Describe(
            values ? "farmem.where-values" : "farmem.where-indices",
            [FarStructureParameter.ReadVector(), FarStructureParameter.WriteVector(values ? FarElementType.Any : FarElementType.Int64)],
            FarArgumentType.Int64,
            FarArgumentType.Int64,
            FarArgumentType.Bytes);
    }

    public override FarOperationDescriptor Descriptor { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run<T>(FarCallContext context)
    {
        FarVectorReader<T> reader = context.Read<T>(0);
        (long start, long end) = Range(context, 0, reader.Length);
        var body = new Body<T>
        {
            Predicate = Predicate.Decode(context.GetBytes(2)),
            Mask = new byte[reader.ElementsPerObject],
            Indices = _values ? null : context.Write<long>(1),
            Values = _values ? context.Write<T>(1) : null,
            Buffer = new long[reader.ElementsPerObject],
            ValueBuffer = new T[reader.ElementsPerObject],
        };
        ForEachChunk(context, reader, start, end, ref body, copied: true);
        context.Result.Write(body.Count);
    }

    private struct Body<T> : IChunkBody<T>
        where T : unmanaged, INumber<T>
    {
        public Predicate Predicate;
        public byte[] Mask;
        public FarVectorWriter<long>? Indices;
        public FarVectorWriter<T>? Values;
        public long[] Buffer;
        public T[] ValueBuffer;
        public long Count;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit(ReadOnlySpan<T> values, long firstIndex)
        {
            Span<byte> mask = Mask.AsSpan(0, values.Length);
            Predicate.Evaluate(values, mask);
            int n = 0;
            for (int i = 0; i < mask.Length; i++)
            {
                if (mask[i] != 0)
                {
                    Buffer[n] = firstIndex + i;
                    ValueBuffer[n] = values[i];
                    n++;
                }
            }

            Indices?.Append(Buffer.AsSpan(0, n));
            Values?.Append(ValueBuffer.AsSpan(0, n));
            Count += n;
        }
    }
}
