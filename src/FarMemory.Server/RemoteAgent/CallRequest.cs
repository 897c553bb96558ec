using System.Buffers;
using System.Buffers.Binary;
using FarMemory.Offload;
using FarMemory.Protocol;

namespace FarMemory.Server.RemoteAgent;

/// <summary>A Call payload copied out of the receive buffer (the call outlives it) and parsed (see <see cref="CallFormat"/>).</summary>
internal sealed class CallRequest
{
    private byte[] _payload = [];
    private int _length;

    public ushort OperationId { get; private set; }

    public uint DeadlineMs { get; private set; }

    public int StructureCount { get; private set; }

    public int[] StructureIds { get; } = new int[CallFormat.MaxStructures];

    public FarStructureKind[] Kinds { get; } = new FarStructureKind[CallFormat.MaxStructures];

    public FarStructureInfo[] Infos { get; } = new FarStructureInfo[CallFormat.MaxStructures];

    public int ArgumentCount { get; private set; }

    public FarArgumentType[] ArgumentTypes { get; } = new FarArgumentType[CallFormat.MaxArguments];

    /// <summary>Where each argument's value starts in the payload, and its length.</summary>
    public (int Offset, int Length)[] ArgumentSpans { get; } = new (int, int)[CallFormat.MaxArguments];

    public ReadOnlySpan<byte> Argument(int i) => _payload.AsSpan(ArgumentSpans[i].Offset, ArgumentSpans[i].Length);

    /// <summary>Copies and parses; null when well formed, else what is wrong.</summary>
    public string? Parse(ReadOnlySequence<byte> payload)
    {
        if (payload.Length < CallFormat.HeaderSize + 1)
        {
            return "Call payload shorter than its header";
        }

        _length = (int)payload.Length;
        _payload = ArrayPool<byte>.Shared.Rent(_length);
        payload.CopyTo(_payload);
        ReadOnlySpan<byte> span = _payload.AsSpan(0, _length);
        OperationId = BinaryPrimitives.ReadUInt16LittleEndian(span);
        DeadlineMs = BinaryPrimitives.ReadUInt32LittleEndian(span[2..]);
        StructureCount = span[6];
        if (StructureCount > CallFormat.MaxStructures)
        {
            return $"Call names {StructureCount} structures (at most {CallFormat.MaxStructures})";
        }

        int at = CallFormat.HeaderSize;
        if (span.Length < at + (StructureCount * CallFormat.StructureRefSize) + 1)
        {
            return "truncated Call structures";
        }

        for (int i = 0; i < StructureCount; i++)
        {
            ReadOnlySpan<byte> s = span.Slice(at, CallFormat.StructureRefSize);
            StructureIds[i] = BinaryPrimitives.ReadInt32LittleEndian(s);
            Kinds[i] = (FarStructureKind)s[4];
            var elementType = (FarElementType)s[5];
            var access = (FarAccess)s[6];
            int perObject = BinaryPrimitives.ReadInt32LittleEndian(s[8..]);
            long length = BinaryPrimitives.ReadInt64LittleEndian(s[12..]);
            if (Kinds[i] == FarStructureKind.HashTable)
            {
                if (elementType != FarElementType.Byte || access is not (FarAccess.Read or FarAccess.Write) ||
                    FarPairLayout.Unpack(perObject, length) is not { } layout)
                {
                    return $"Call structure {i} has an invalid access or pair layout";
                }

                Infos[i] = new FarStructureInfo(elementType, perObject, length, access, FixedLength: true) { Pairs = layout };
                at += CallFormat.StructureRefSize;
                continue;
            }

            if (Kinds[i] != FarStructureKind.Vector || access is not (FarAccess.Read or FarAccess.Write) ||
                ElementSize(elementType) == 0 || perObject <= 0 || length < 0 ||
                (long)perObject * ElementSize(elementType) > CallFormat.MaxObjectBytes)
            {
                return $"Call structure {i} has an invalid kind, element type, access or layout";
            }

            Infos[i] = new FarStructureInfo(elementType, perObject, length, access, (s[7] & CallFormat.FixedLength) != 0);
            at += CallFormat.StructureRefSize;
        }

        ArgumentCount = span[at++];
        if (ArgumentCount > CallFormat.MaxArguments)
        {
            return $"Call carries {ArgumentCount} arguments (at most {CallFormat.MaxArguments})";
        }

        for (int i = 0; i < ArgumentCount; i++)
        {
            if (at >= span.Length)
            {
                return "truncated Call arguments";
            }

            var type = (FarArgumentType)span[at++];
            ArgumentTypes[i] = type;
            int size;
            switch (type)
            {
                case FarArgumentType.Int64 or FarArgumentType.Double:
                    size = 8;
                    break;
                case FarArgumentType.String or FarArgumentType.Bytes:
                    if (at + 4 > span.Length)
                    {
                        return "truncated Call arguments";
                    }

                    size = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
                    at += 4;
                    break;
                default:
                    return $"Call argument {i} has unknown type {(byte)type}";
            }

            if (size < 0 || at + size > span.Length)
            {
                return "truncated Call arguments";
            }

            ArgumentSpans[i] = (at, size);
            at += size;
        }

        return at == span.Length ? null : "trailing bytes in Call";
    }

    /// <summary>Bytes of one element of a type a vector may hold; 0 for none.</summary>
    public static int ElementSize(FarElementType type) => type switch
    {
        FarElementType.Int32 or FarElementType.Single => 4,
        FarElementType.Int64 or FarElementType.Double => 8,
        FarElementType.Byte => 1,
        _ => 0,
    };

    public void Release()
    {
        if (_payload.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(_payload);
            _payload = [];
        }
    }
}
