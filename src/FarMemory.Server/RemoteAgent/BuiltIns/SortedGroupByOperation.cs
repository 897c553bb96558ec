using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.groupby-sorted</c>: for keys sorted into runs of equal values (structure 0, an
/// integer vector) and a value vector (structure 1, any numeric type), one aggregate per run over a
/// range. Arguments: aggregate (0 count, 1 sum, 2 mean, 3 min, 4 max, 5 median), start, end. Answer:
/// i64 runs, then per run i64 key, i64 count, f64 value. NaN values are skipped (as nulls); a median
/// is pandas's (the mean of the two middle values for an even count). A run's values for the median
/// are buffered on the server, charged against the call's write cap.
/// </summary>
internal sealed class SortedGroupByOperation : IFarOperation
{
    private const int Block = 4096;

    public FarOperationDescriptor Descriptor { get; } = new(
        "farmem.groupby-sorted",
        1,
        [FarStructureParameter.ReadVector(), FarStructureParameter.ReadVector()],
        [FarArgumentType.Int64, FarArgumentType.Int64, FarArgumentType.Int64]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(FarCallContext context)
    {
        long aggregate = context.GetInt64(0);
        long start = context.GetInt64(1);
        long end = context.GetInt64(2);
        FarStructureInfo keys = context.Structure(0);
        FarStructureInfo values = context.Structure(1);
        if (aggregate is < 0 or > 5)
        {
            throw new FarOperationArgumentException($"Unknown aggregate {aggregate} (0 count, 1 sum, 2 mean, 3 min, 4 max, 5 median).");
        }

        if (keys.ElementType is not (FarElementType.Int32 or FarElementType.Int64 or FarElementType.Byte))
        {
            throw new FarOperationArgumentException($"Group keys must be an integer vector, not {keys.ElementType}.");
        }

        long length = Math.Min(keys.Length, values.Length);
        if (start < 0 || end < start || end > length)
        {
            throw new FarOperationArgumentException($"The range [{start}, {end}) is not inside the vectors ({keys.Length} keys, {values.Length} values).");
        }

        var keyBlock = new long[Block];
        var valueBlock = new double[Block];
        var run = new Run { Values = aggregate == 5 ? new List<double>() : null };
        long runs = 0;
        var output = new List<(long Key, long Count, double Value)>();
        for (long at = start; at < end; at += Block)
        {
            int n = (int)Math.Min(Block, end - at);
            Copy.AsLong(context, 0, at, keyBlock.AsSpan(0, n));
            Copy.AsDouble(context, 1, at, valueBlock.AsSpan(0, n));
            for (int i = 0; i < n; i++)
            {
                long key = keyBlock[i];
                if (!run.Open || key != run.Key)
                {
                    if (run.Open)
                    {
                        output.Add(run.Finish(aggregate));
                        runs++;
                        context.ChargeStaged(24);
                    }

                    run.Start(key);
                }

                double v = valueBlock[i];
                if (!double.IsNaN(v))
                {
                    run.Add(v, context);
                }
            }

            context.ThrowIfCancellationRequested();
        }

        if (run.Open)
        {
            output.Add(run.Finish(aggregate));
            runs++;
        }

        context.Result.Write(runs);
        foreach ((long key, long count, double value) in output)
        {
            context.Result.Write(key);
            context.Result.Write(count);
            context.Result.Write(value);
        }
    }

    private struct Run
    {
        public bool Open;
        public long Key;
        public long Count;
        public double Sum;
        public double Min;
        public double Max;
        public List<double>? Values;

        /// <summary>Bytes of <see cref="Values"/> charged so far: the largest run's, since every run reuses the list.</summary>
        public long Charged;

        public void Start(long key)
        {
            Open = true;
            Key = key;
            Count = 0;
            Sum = 0;
            Min = double.PositiveInfinity;
            Max = double.NegativeInfinity;
            Values?.Clear();
        }

        public void Add(double v, FarCallContext context)
        {
            Count++;
            Sum += v;
            Min = Math.Min(Min, v);
            Max = Math.Max(Max, v);
            if (Values != null)
            {
                Values.Add(v);
                if ((long)Values.Count * sizeof(double) > Charged)
                {
                    context.ChargeStaged(sizeof(double));
                    Charged += sizeof(double);
                }
            }
        }

        public (long, long, double) Finish(long aggregate)
        {
            double value = aggregate switch
            {
                0 => Count,
                1 => Sum,
                2 => Count == 0 ? double.NaN : Sum / Count,
                3 => Count == 0 ? double.NaN : Min,
                4 => Count == 0 ? double.NaN : Max,
                _ => Median(),
            };
            return (Key, Count, value);
        }

        private readonly double Median()
        {
            if (Values!.Count == 0)
            {
                return double.NaN;
            }

            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Values).Sort();
            int n = Values.Count;
            return n % 2 == 1 ? Values[n / 2] : (Values[(n / 2) - 1] + Values[n / 2]) / 2;
        }
    }
}
