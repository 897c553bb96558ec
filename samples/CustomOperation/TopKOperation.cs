using FarMemory.Offload;
using FarMemory.Server.RemoteAgent;

namespace FarMemory.Samples.CustomOperation;

/// <summary><c>samples.top-k</c> v1: the k largest values of a double vector, largest first (argument: k).</summary>
public sealed class TopKOperation : IFarOperation
{
    public FarOperationDescriptor Descriptor { get; } = new(
        "samples.top-k",
        1,
        [FarStructureParameter.ReadVector(FarElementType.Double)],
        [FarArgumentType.Int64]);

    public void Execute(FarCallContext context)
    {
        long k = context.GetInt64(0);
        if (k is < 0 or > 100_000)
        {
            throw new FarOperationArgumentException($"k must be from 0 to 100000, not {k}.");
        }

        FarVectorReader<double> values = context.Read<double>(0);
        var smallest = new PriorityQueue<double, double>();
        for (long o = 0; o < values.ObjectCount; o++)
        {
            using (FarVectorChunk<double> chunk = values.Chunk(o))
            {
                foreach (double v in chunk.Span)
                {
                    if (smallest.Count < k)
                    {
                        smallest.Enqueue(v, v);
                    }
                    else if (k > 0 && v > smallest.Peek())
                    {
                        smallest.DequeueEnqueue(v, v);
                    }
                }
            }

            context.ThrowIfCancellationRequested();
        }

        double[] top = new double[smallest.Count];
        for (int i = top.Length - 1; i >= 0; i--)
        {
            top[i] = smallest.Dequeue();
        }

        context.Result.Write((long)top.Length);
        context.Result.Write<double>(top);
    }
}
