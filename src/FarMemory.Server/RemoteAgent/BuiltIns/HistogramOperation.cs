using System.Numerics;
using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.histogram</c>: counts of a range in <c>bins</c> equal bins over [lower, upper] (the last
/// bin includes upper, as numpy's does). Arguments: start, end, lower, upper, bins. Answer: one i64
/// per bin, then the i64 count of values outside (or NaN).
/// </summary>
internal sealed class HistogramOperation : VectorOperation
{
    /// <summary>Most bins one call may ask for.</summary>
    public const int MaxBins = 1 << 20;

    public override FarOperationDescriptor Descriptor { get; } =
        Describe("farmem.histogram", [FarStructureParameter.ReadVector()], FarArgumentType.Int64, FarArgumentType.Int64, FarArgumentType.Double, FarArgumentType.Double, FarArgumentType.Int64);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run<T>(FarCallContext context)
    {
        FarVectorReader<T> reader = context.Read<T>(0);
        (long start, long end) = Range(context, 0, reader.Length);
        double lower = context.GetDouble(2);
        double upper = context.GetDouble(3);
        long bins = context.GetInt64(4);
        if (bins <= 0 || bins > MaxBins || !(upper > lower) || !double.IsFinite(lower) || !double.IsFinite(upper))
        {
            throw new FarOperationArgumentException($"A histogram needs 1 to {MaxBins} bins over a finite range with lower < upper (got {bins} over [{lower}, {upper}]).");
        }

        var body = new Body<T> { Counts = new long[bins], Lower = lower, Upper = upper, Scale = bins / (upper - lower) };
        ForEachChunk(context, reader, start, end, ref body);
        context.Result.Write<long>(body.Counts);
        context.Result.Write(body.Outside);
    }

    private struct Body<T> : IChunkBody<T>
        where T : unmanaged, INumber<T>
    {
        public long[] Counts;
        public double Lower;
        public double Upper;
        public double Scale;
        public long Outside;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Visit(ReadOnlySpan<T> values, long firstIndex)
        {
            long last = Counts.Length - 1;
            foreach (T v in values)
            {
                double x = double.CreateTruncating(v);
                if (x >= Lower && x <= Upper)
                {
                    Counts[Math.Min(last, (long)((x - Lower) * Scale))]++;
                }
                else
                {
                    Outside++;
                }
            }
        }
    }
}
