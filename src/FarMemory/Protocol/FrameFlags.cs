namespace FarMemory.Protocol;

/// <summary>Bits of a frame's flags byte.</summary>
[Flags]
public enum FrameFlags : byte
{
    None = 0,

    /// <summary>Set on every frame the server sends.</summary>
    Response = 1,
}
