using System.Runtime.CompilerServices;
using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// <c>farmem.assign</c>: copies count elements of the source from sourceStart over the destination
/// from destinationStart (a slice copy; a vector destination grows to fit). Arguments: sourceStart,
/// destinationStart, count. Answer: i64 count.
/// </summary>
internal sealed class AssignOperation : VectorOperation
{
    public override FarOperationDescriptor Descriptor { get; } =
        Describe("farmem.assign", [FarStructureParameter.ReadVector(), FarStructureParameter.WriteVector()], FarArgumentType.Int64, FarArgumentType.Int64, FarArgumentType.Int64);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run<T>(FarCallContext context)
    {
        FarVectorReader<T> source = context.Read<T>(0);
        FarVectorWriter<T> destination = context.Write<T>(1);
        long from = context.GetInt64(0);
        long to = context.GetInt64(1);
        long count = context.GetInt64(2);
        if (from < 0 || count < 0 || to < 0 || from + count > source.Length)
        {
            throw new FarOperationArgumentException($"Cannot copy {count} elements from {from} of a source of {source.Length} to {to}.");
        }

        if (to + count > destination.Length)
        {
            destination.SetLength(to + count);
        }

        var buffer = new T[source.ElementsPerObject];
        for (long done = 0; done < count; done += buffer.Length)
        {
            int n = (int)Math.Min(buffer.Length, count - done);
            source.CopyTo(from + done, buffer.AsSpan(0, n));
            destination.Write(to + done, buffer.AsSpan(0, n));
            context.ThrowIfCancellationRequested();
        }

        context.Result.Write(count);
    }
}
