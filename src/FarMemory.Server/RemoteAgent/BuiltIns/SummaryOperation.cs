using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.summary</c>: count, sum, min and max of a range in one pass. Answer: i64 count, then
/// sum, min, max as i64 for integer vectors (the sum wraps like unchecked C#) or f64 for float ones.
/// </summary>
internal sealed class SummaryOperation : VectorOperation
{
    public override FarOperationDescriptor Descriptor { get; } =
        Describe("farmem.summary", [FarStructureParameter.ReadVector()], FarArgumentType.Int64, FarArgumentType.Int64);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run<T>(FarCallContext context)
    {
        FarVectorReader<T> reader = context.Read<T>(0);
        (long start, long end) = Range(context, 0, reader.Length);
        var body = new Body<T> { Min = T.MaxValue, Max = T.MinValue };
        ForEachChunk(context, reader, start, end, ref body);
        context.Result.Write(end - start);
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double))
        {
            context.Result.Write(body.DoubleSum);
            context.Result.Write(end > start ? double.CreateTruncating(body.Min) : 0);
            context.Result.Write(end > start ? double.CreateTruncating(body.Max) : 0);
        }
        else
        {
            context.Result.Write(body.LongSum);
            context.Result.Write(end > start ? long.CreateTruncating(body.Min) : 0);
            context.Result.Write(end > start ? long.CreateTruncating(body.Max) : 0);
        }
    }

    private struct Body<T> : IChunkBody<T>
        where T : unmanaged, INumber<T>
    {
        public long LongSum;
        public double DoubleSum;
        public T Min;
        public T Max;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit(ReadOnlySpan<T> values, long firstIndex)
        {
            if (values.IsEmpty)
            {
                return;
            }

            if (typeof(T) == typeof(double))
            {
                DoubleSum += TensorPrimitives.Sum(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(values));
            }
            else if (typeof(T) == typeof(float))
            {
                // Summed in double: a float accumulator loses integers past 2^24.
                foreach (T v in values)
                {
                    DoubleSum += double.CreateTruncating(v);
                }
            }
            else if (typeof(T) == typeof(long))
            {
                LongSum = unchecked(LongSum + TensorPrimitives.Sum(System.Runtime.InteropServices.MemoryMarshal.Cast<T, long>(values)));
            }
            else
            {
                foreach (T v in values)
                {
                    LongSum = unchecked(LongSum + long.CreateTruncating(v));
                }
            }

            T min = TensorPrimitives.Min(values);
            T max = TensorPrimitives.Max(values);
            Min = T.Min(Min, min);
            Max = T.Max(Max, max);
        }
    }
}
