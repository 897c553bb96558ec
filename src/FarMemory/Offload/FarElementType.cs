namespace FarMemory.Offload;

/// <summary>
/// Element types a remote-agent operation can read in place. Values are part of the wire format.
/// Timestamps offload as their ticks: keep them in a <c>RemVector&lt;long&gt;</c> of
/// <see cref="System.DateTime.Ticks"/> (a <see cref="System.DateTime"/>'s raw bits also hold its Kind).
/// </summary>
public enum FarElementType : byte
{
    /// <summary>In a declaration: any of the numeric types below.</summary>
    Any = 0,
    Int32 = 1,
    Int64 = 2,
    Single = 3,
    Double = 4,
    Byte = 5,
}
