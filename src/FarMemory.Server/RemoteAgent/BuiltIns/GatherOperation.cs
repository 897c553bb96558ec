using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.gather</c>: appends source[indices[i]] for every i to the output (copy by index, how a
/// frame materializes a selection). Structures: source, indices (long), output (the source's type).
/// Answer: i64 count.
/// </summary>
internal sealed class GatherOperation : VectorOperation
{
    public override FarOperationDescriptor Descriptor { get; } =
        Describe("farmem.gather", [FarStructureParameter.ReadVector(), FarStructureParameter.ReadVector(FarElementType.Int64), FarStructureParameter.WriteVector()]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run<T>(FarCallContext context)
    {
        FarVectorReader<T> source = context.Read<T>(0);
        FarVectorReader<long> indices = context.Read<long>(1);
        FarVectorWriter<T> output = context.Write<T>(2);
        var buffer = new T[indices.ElementsPerObject];
        var positions = new long[indices.ElementsPerObject];
        var window = new Window();
        for (long start = 0; start < indices.Length; start += positions.Length)
        {
            int n = (int)Math.Min(positions.Length, indices.Length - start);
            indices.CopyTo(start, positions.AsSpan(0, n));
            for (int i = 0; i < n; i++)
            {
                long index = positions[i];
                if ((ulong)index >= (ulong)source.Length)
                {
                    throw new FarOperationArgumentException($"Index {index} at position {start + i} is outside the source of {source.Length} elements.");
                }

                // Consecutive indices mostly fall in one source object: read through a one-object window.
                buffer[i] = Element(source, index, ref window);
            }

            output.Append(buffer.AsSpan(0, n));
            context.ThrowIfCancellationRequested();
        }

        context.Result.Write(indices.Length);
    }

    internal static T Element<T>(FarVectorReader<T> source, long index, ref Window window)
        where T : unmanaged
    {
        long o = index / source.ElementsPerObject;
        if (window.Values is not T[] values || window.Object != o)
        {
            values = window.Values as T[] ?? new T[source.ElementsPerObject];
            using FarVectorChunk<T> chunk = source.Chunk(o);
            chunk.Span.CopyTo(values);
            window.Values = values;
            window.Object = o;
        }

        return values[index - (o * source.ElementsPerObject)];
    }

    /// <summary>The last source object read, copied (so no lock is held across other objects' locks).</summary>
    internal struct Window
    {
        public object? Values;
        public long Object;

        public Window()
        {
            Object = -1;
        }
    }
}
