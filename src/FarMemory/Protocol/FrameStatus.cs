namespace FarMemory.Protocol;

/// <summary>
/// Outcome carried in a response frame's status field. Values are part of the wire format. An error
/// frame (any status but <see cref="Ok"/>) may carry a UTF-8 reason as its payload.
/// </summary>
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

    /// <summary>The server refused a connection or session: one of its limits is reached. Try again later.</summary>
    ServerBusy = 12,

    /// <summary>The server closed a connection that stayed idle or stalled mid-frame past its timeout.</summary>
    Timeout = 13,

    /// <summary>A Call named an operation id the server does not have.</summary>
    OperationNotFound = 14,

    /// <summary>The operation threw; the reason is its message. The session is unharmed and nothing it wrote is visible.</summary>
    OperationFailed = 15,

    /// <summary>The operation ran past its deadline and was stopped; nothing it wrote is visible.</summary>
    OperationTimeout = 16,

    /// <summary>A Call's structures or arguments do not match the operation's declaration; it did not run.</summary>
    InvalidArgument = 17,

    /// <summary>The operation's result grew past the server's result cap; nothing it wrote is visible.</summary>
    ResultTooLarge = 18,
}
