namespace FarMemory.Offload;

/// <summary>
/// An operation the server runs, as it announced it: the (name, version) users call it by, the
/// small id calls carry on the wire, and the structures and arguments it takes.
/// </summary>
public sealed class FarOperationInfo
{
    public FarOperationInfo(ushort id, string name, int version, IReadOnlyList<FarStructureParameter> structures, IReadOnlyList<FarArgumentType> arguments)
    {
        Id = id;
        Name = name;
        Version = version;
        Structures = structures;
        Arguments = arguments;
    }

    public ushort Id { get; }

    public string Name { get; }

    public int Version { get; }

    public IReadOnlyList<FarStructureParameter> Structures { get; }

    public IReadOnlyList<FarArgumentType> Arguments { get; }

    /// <summary>Whether the operation writes any of its structures.</summary>
    public bool Writes => Structures.Any(s => s.Access == FarAccess.Write);

    public override string ToString() =>
        $"{Name} v{Version}({string.Join(", ", Structures.Select(s => $"{s.Access} {s.Kind}<{s.ElementType}>").Concat(Arguments.Select(a => a.ToString())))})";
}
