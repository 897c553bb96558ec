namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>The loop body of a built-in scan: a struct, so the JIT specializes and inlines it per element type.</summary>
internal interface IChunkBody<T>
    where T : unmanaged
{
    void Visit(ReadOnlySpan<T> values, long firstIndex);
}
