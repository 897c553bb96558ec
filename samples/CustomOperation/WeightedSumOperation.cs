using FarMemory.Offload;
using FarMemory.Server.RemoteAgent;

namespace FarMemory.Samples.CustomOperation;

/// <summary>
/// <c>samples.weighted-sum</c> v1: Σ values[i]·weights[i] over two double vectors, computed where
/// they live, so only 8 bytes come back. Load it with <c>farmem-server --operations CustomOperation.dll</c>.
/// </summary>
public sealed class WeightedSumOperation : IFarOperation
{
    public FarOperationDescriptor Descriptor { get; } = new(
        "samples.weighted-sum",
        1,
        [FarStructureParameter.ReadVector(FarElementType.Double), FarStructureParameter.ReadVector(FarElementType.Double)],
        []);

    public void Execute(FarCallContext context)
    {
        FarVectorReader<double> values = context.Read<double>(0);
        FarVectorReader<double> weights = context.Read<double>(1);
        if (values.Length != weights.Length)
        {
            throw new FarOperationArgumentException($"values has {values.Length} elements but weights has {weights.Length}.");
        }

        // One chunk at a time: copy the weights' object, then read the values' object in place.
        var w = new double[weights.ElementsPerObject];
        double sum = 0;
        for (long start = 0; start < values.Length; start += w.Length)
        {
            int n = (int)Math.Min(w.Length, values.Length - start);
            weights.CopyTo(start, w.AsSpan(0, n));
            long done = 0;
            while (done < n)
            {
                long index = start + done;
                using FarVectorChunk<double> chunk = values.Chunk(index / values.ElementsPerObject);
                int from = (int)(index - chunk.Start);
                int count = (int)Math.Min(chunk.Span.Length - from, n - done);
                sum += System.Numerics.Tensors.TensorPrimitives.Dot(chunk.Span.Slice(from, count), w.AsSpan((int)done, count));
                done += count;
            }

            context.ThrowIfCancellationRequested();
        }

        context.Result.Write(sum);
    }
}
