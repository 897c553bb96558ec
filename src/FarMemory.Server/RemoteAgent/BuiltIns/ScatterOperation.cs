using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.scatter</c>: destination[indices[i]] = source[i] for i below both lengths (shuffle by
/// index). Structures: source, indices (long), destination (the source's type, written in place).
/// Answer: i64 count.
/// </summary>
internal sealed class ScatterOperation : VectorOperation
{
    public override FarOperationDescriptor Descriptor { get; } =
        Describe("farmem.scatter", [FarStructureParameter.ReadVector(), FarStructureParameter.ReadVector(FarElementType.Int64), FarStructureParameter.WriteVector()]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run<T>(FarCallContext context)
    {
        FarVectorReader<T> source = context.Read<T>(0);
        FarVectorReader<long> indices = context.Read<long>(1);
        FarVectorWriter<T> destination = context.Write<T>(2);
        long count = Math.Min(source.Length, indices.Length);
        var values = new T[source.ElementsPerObject];
        var positions = new long[source.ElementsPerObject];
        for (long start = 0; start < count; start += values.Length)
        {
            int n = (int)Math.Min(values.Length, count - start);
            source.CopyTo(start, values.AsSpan(0, n));
            indices.CopyTo(start, positions.AsSpan(0, n));
            for (int i = 0; i < n; i++)
            {
                destination[positions[i]] = values[i];
            }

            context.ThrowIfCancellationRequested();
        }

        context.Result.Write(count);
    }
}
