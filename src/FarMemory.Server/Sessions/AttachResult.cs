namespace FarMemory.Server.Sessions;

/// <summary>Why a Hello could not join or create a session, if it could not.</summary>
internal enum AttachResult
{
    Attached,
    UnknownKey,
    TooManySessions,
    TooManyConnections,
}
