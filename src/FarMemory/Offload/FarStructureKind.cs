namespace FarMemory.Offload;

/// <summary>What kind of collection a structure argument is. Values are part of the wire format.</summary>
public enum FarStructureKind : byte
{
    /// <summary>A <c>RemVector</c> or <c>RemArray</c>: object i holds elements [i·E, (i+1)·E).</summary>
    Vector = 1,
}
