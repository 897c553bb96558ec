using System.Buffers.Binary;
using System.Security.Cryptography;
using FarMemory.Protocol;

namespace FarMemory.Server.Sessions;

/// <summary>
/// The unguessable capability that names a session: 128 random bits handed to the client in the
/// Hello response. Further connections present it to join the same namespace.
/// </summary>
internal readonly record struct SessionKey(ulong High, ulong Low)
{
    public bool IsEmpty => High == 0 && Low == 0;

    public static SessionKey NewRandom()
    {
        Span<byte> bytes = stackalloc byte[ProtocolConstants.SessionKeyLength];
        RandomNumberGenerator.Fill(bytes);
        return Read(bytes);
    }

    public static SessionKey Read(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, High);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Low);
    }
}
