namespace FarMemory.Protocol;

/// <summary>What <see cref="FrameReader.TryReadFrame"/> found at the start of a buffer.</summary>
public enum FrameReadResult
{
    /// <summary>A whole frame was read.</summary>
    Frame,

    /// <summary>Not enough bytes yet; read more.</summary>
    Incomplete,

    /// <summary>The length field exceeds the allowed maximum: a protocol error, close the connection.</summary>
    TooLarge,

    /// <summary>The length field is smaller than a header: a protocol error.</summary>
    Malformed,
}
