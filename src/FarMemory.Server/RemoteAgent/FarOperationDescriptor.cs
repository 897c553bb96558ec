using FarMemory.Offload;

namespace FarMemory.Server.RemoteAgent;

/// <summary>What an operation is called and what it takes; clients see it in the operation list at connect.</summary>
public sealed class FarOperationDescriptor
{
    public FarOperationDescriptor(string name, int version, IReadOnlyList<FarStructureParameter> structures, IReadOnlyList<FarArgumentType> arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(structures);
        ArgumentNullException.ThrowIfNull(arguments);
        if (name.Length > 200)
        {
            throw new ArgumentException("An operation name is at most 200 characters.", nameof(name));
        }

        if (structures.Count > Protocol.CallFormat.MaxStructures || arguments.Count > Protocol.CallFormat.MaxArguments)
        {
            throw new ArgumentException($"An operation takes at most {Protocol.CallFormat.MaxStructures} structures and {Protocol.CallFormat.MaxArguments} arguments.");
        }

        Name = name;
        Version = version;
        Structures = structures;
        Arguments = arguments;
    }

    public string Name { get; }

    public int Version { get; }

    public IReadOnlyList<FarStructureParameter> Structures { get; }

    public IReadOnlyList<FarArgumentType> Arguments { get; }

    public override string ToString() => $"{Name} v{Version}";
}
