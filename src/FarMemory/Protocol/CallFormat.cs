namespace FarMemory.Protocol;

/// <summary>
/// The payloads of <see cref="OpCode.Call"/> and <see cref="OpCode.ListOperations"/>, little-endian.
/// </summary>
/// <remarks>
/// <code>
/// Call request:  u16 operation id, u32 deadline ms (0: the server's default),
///                u8 structure count, per structure (StructureRefSize bytes):
///                  i32 structure id, u8 kind, u8 element type, u8 access, u8 flags (bit 0: fixed length),
///                  i32 elements per object, i64 length in elements;
///                  for kind HashTable (2), a hash table's pair store, one pair per object: element type
///                  Byte, i32 pair bytes, and in place of the length the FarPairLayout: u16 key bytes,
///                  u16 value offset, u16 value bytes, u16 zero (the key is at offset 0);
///                u8 argument count, per argument: u8 type, then i64 | f64 | i32 length + bytes (strings UTF-8).
/// Call answer:   u8 written count, per written structure (WrittenSize bytes):
///                  u8 structure index, i64 new length, i64 first object touched, i64 end object (exclusive);
///                then the operation's result bytes.
/// ListOperations answer: u16 count, per operation: u16 id, i32 version, u16 name length, UTF-8 name,
///                u8 structure count, per structure: u8 kind, u8 element type, u8 access;
///                u8 argument count, per argument: u8 type.
/// </code>
/// <para>A hash table's index stays on the client, so its operations take the object ids to look
/// at as arguments (<c>farmem.hash-get</c> and <c>farmem.hash-put</c>, version 1):</para>
/// <code>
/// hash-get args: bytes keys (n × key bytes), bytes candidates (per key: u32 count, count × u32 object id).
///          answer: per key: i32 matching candidate (-1: none), then the value bytes if one matched.
/// hash-put args: bytes keys, bytes values (n × value bytes), bytes candidates (as hash-get),
///                bytes spares (n × u32 object id for a new pair, 0xFFFFFFFF: none).
///          answer: per key: i32 matching candidate whose value it overwrote, -1: it wrote a new
///                pair at the key's spare, -2: neither (no match and no spare).
/// </code>
/// </remarks>
public static class CallFormat
{
    /// <summary>Bytes of one structure reference in a Call request.</summary>
    public const int StructureRefSize = 20;

    /// <summary>Bytes of one written-structure record in a Call answer.</summary>
    public const int WrittenSize = 25;

    /// <summary>Bytes before the structure references: id, deadline, count.</summary>
    public const int HeaderSize = 7;

    /// <summary>Most structures one call names.</summary>
    public const int MaxStructures = 16;

    /// <summary>Most scalar arguments one call carries.</summary>
    public const int MaxArguments = 32;

    /// <summary>Largest object of a vector argument (elements per object times element size).</summary>
    public const int MaxObjectBytes = 16 << 20;

    /// <summary>Flag bit of a structure reference: its length cannot change (a RemArray).</summary>
    public const byte FixedLength = 1;
}
