using FarMemory.Offload;
using FarMemory.Server.RemoteAgent;

namespace FarMemory.IntegrationTests.Offload;

/// <summary>Runs until its deadline, checking it as operations must; answers how long it ran (ms).</summary>
public sealed class SpinUntilDeadlineOperation : IFarOperation
{
    public FarOperationDescriptor Descriptor { get; } = new("test.spin", 1, [], []);

    public void Execute(FarCallContext context)
    {
        while (true)
        {
            context.ThrowIfCancellationRequested();
            Thread.SpinWait(1000);
        }
    }
}

/// <summary>Writes to its output vector, then throws: none of the write may become visible.</summary>
public sealed class WriteThenThrowOperation : IFarOperation
{
    public FarOperationDescriptor Descriptor { get; } = new("test.write-then-throw", 1, [FarStructureParameter.WriteVector(FarElementType.Int64)], []);

    public void Execute(FarCallContext context)
    {
        FarVectorWriter<long> output = context.Write<long>(0);
        for (long i = 0; i < output.Length; i++)
        {
            output[i] = -1;
        }

        output.Append(-2);
        throw new InvalidOperationException("refusing on purpose");
    }
}

/// <summary>Answers more bytes than any result cap allows.</summary>
public sealed class HugeResultOperation : IFarOperation
{
    public FarOperationDescriptor Descriptor { get; } = new("test.huge-result", 1, [], [FarArgumentType.Int64]);

    public void Execute(FarCallContext context)
    {
        long bytes = context.GetInt64(0);
        var chunk = new byte[4096];
        for (long written = 0; written < bytes; written += chunk.Length)
        {
            context.Result.Write<byte>(chunk);
        }
    }
}

/// <summary>Holds a chunk of one structure and asks for another: the agent must refuse it, and the structures must stay usable.</summary>
public sealed class TwoChunksOperation : IFarOperation
{
    public FarOperationDescriptor Descriptor { get; } = new("test.two-chunks", 1, [FarStructureParameter.ReadVector(FarElementType.Int64), FarStructureParameter.ReadVector(FarElementType.Int64)], []);

    public void Execute(FarCallContext context)
    {
        using FarVectorChunk<long> a = context.Read<long>(0).Chunk(0);
        using FarVectorChunk<long> b = context.Read<long>(1).Chunk(0);
        context.Result.Write(a.Span[0] + b.Span[0]);
    }
}
