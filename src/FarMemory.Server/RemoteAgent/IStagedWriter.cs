using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.RemoteAgent;

/// <summary>What the agent needs of a <see cref="FarVectorWriter{T}"/> to commit it, whatever its element type.</summary>
internal interface IStagedWriter
{
    int Index { get; }

    long Length { get; }

    long FirstTouched { get; }

    long EndTouched { get; }

    bool Changed { get; }

    void AddTo(List<WriteItem> items);

    void Release();
}
