namespace FarMemory.Protocol;

/// <summary>Outcome carried in a response frame's status field. Values are part of the wire format.</summary>
public enum FrameStatus : ushort
{
    Ok = 0,
    NotFound = 1,
    BadRequest = 2,
    Unauthorized = 3,
    QuotaExceeded = 4,
    ServerFull = 5,
    UnknownStructure = 6,
    FrameTooLarge = 7,
    UnknownOpCode = 8,
    NotSupported = 9,
    InternalError = 10,
    UnsupportedVersion = 11,
}
