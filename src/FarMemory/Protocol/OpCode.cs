namespace FarMemory.Protocol;

/// <summary>Operations of the far-memory wire protocol. Values are part of the wire format.</summary>
public enum OpCode : byte
{
    /// <summary>First frame of a connection: protocol version, auth token, session to join.</summary>
    Hello = 1,

    CreateStructure = 2,
    DropStructure = 3,
    Read = 4,
    Write = 5,
    Remove = 6,
    ReadBatch = 7,
    WriteBatch = 8,
    RemoveBatch = 9,

    /// <summary>Runs a named remote-agent operation next to the data.</summary>
    Call = 10,

    Stats = 11,

    /// <summary>Echoes its payload; measures the round trip of the protocol itself.</summary>
    Ping = 12,

    /// <summary>Lists the remote-agent operations the server runs: name, version and the id calls use.</summary>
    ListOperations = 13,
}
