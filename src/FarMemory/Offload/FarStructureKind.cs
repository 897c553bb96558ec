namespace FarMemory.Offload;

/// <summary>What kind of collection a structure argument is. Values are part of the wire format.</summary>
public enum FarStructureKind : byte
{
    /// <summary>A <c>RemVector</c> or <c>RemArray</c>: object i holds elements [i·E, (i+1)·E).</summary>
    Vector = 1,

    /// <summary>
    /// The pair store of a <c>RemHashTable</c>: object i is one key-value pair laid out as
    /// <see cref="FarPairLayout"/> says. The index (which pair holds which key) stays on the client,
    /// so a call names the objects it needs.
    /// </summary>
    HashTable = 2,
}
