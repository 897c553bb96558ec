namespace FarMemory.Protocol;

/// <summary>Numbers both ends of the protocol agree on.</summary>
public static class ProtocolConstants
{
    /// <summary>Version sent in Hello; a server refuses versions it does not speak.</summary>
    public const ushort Version = 1;

    /// <summary>Length of the session key a Hello response returns and a joining connection presents.</summary>
    public const int SessionKeyLength = 16;

    /// <summary>Default upper bound of a frame's length field (16 MiB of payload plus the header).</summary>
    public const int DefaultMaxFrameLength = (16 << 20) + FrameHeader.CountedSize;

    /// <summary>Default cap on the items of one batch (ReadBatch, WriteBatch, RemoveBatch).</summary>
    public const int DefaultMaxBatchItems = 65536;

    /// <summary>Default cap on a frame before the Hello is accepted: enough for a Hello with a long token.</summary>
    public const int DefaultMaxHelloLength = 4096;

    /// <summary>Bytes of a (structure id, object id) pair on the wire.</summary>
    public const int KeySize = sizeof(int) + sizeof(long);
}
