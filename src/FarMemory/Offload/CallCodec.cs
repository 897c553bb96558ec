using System.Buffers.Binary;
using System.Text;
using FarMemory.Protocol;

namespace FarMemory.Offload;

/// <summary>The client's side of <see cref="CallFormat"/>: encodes requests, decodes answers and the operation list.</summary>
internal static class CallCodec
{
    /// <summary>One written structure of a Call answer.</summary>
    internal readonly record struct Written(int Index, long Length, long FirstObject, long EndObject);

    public static byte[] EncodeRequest(ushort operationId, TimeSpan? deadline, ReadOnlySpan<FarStructureArgument> structures, FarArguments arguments)
    {
        ReadOnlySpan<byte> args = arguments.Encoded;
        byte[] request = new byte[CallFormat.HeaderSize + (structures.Length * CallFormat.StructureRefSize) + 1 + args.Length];
        Span<byte> span = request;
        BinaryPrimitives.WriteUInt16LittleEndian(span, operationId);
        uint ms = deadline is { } d ? (uint)Math.Clamp(Math.Ceiling(d.TotalMilliseconds), 1, uint.MaxValue) : 0;
        BinaryPrimitives.WriteUInt32LittleEndian(span[2..], ms);
        span[6] = (byte)structures.Length;
        int at = CallFormat.HeaderSize;
        foreach (ref readonly FarStructureArgument s in structures)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], s.Structure.Id);
            span[at + 4] = (byte)s.Kind;
            span[at + 5] = (byte)s.ElementType;
            span[at + 6] = (byte)s.Access;
            span[at + 7] = s.FixedLength ? CallFormat.FixedLength : (byte)0;
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 8)..], s.ElementsPerObject);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 12)..], s.Length);
            at += CallFormat.StructureRefSize;
        }

        span[at++] = (byte)arguments.Count;
        args.CopyTo(span[at..]);
        return request;
    }

    /// <summary>Reads the written-structure records at the front of a Call answer; returns where the result bytes start.</summary>
    public static int ReadAnswer(byte[] answer, int structureCount, Span<Written> written, out int writtenCount)
    {
        if (answer.Length < 1)
        {
            throw Truncated();
        }

        writtenCount = answer[0];
        if (writtenCount > structureCount || answer.Length < 1 + (writtenCount * CallFormat.WrittenSize))
        {
            throw Truncated();
        }

        ReadOnlySpan<byte> span = answer;
        int at = 1;
        for (int i = 0; i < writtenCount; i++)
        {
            int index = span[at];
            long length = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 1)..]);
            long first = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 9)..]);
            long end = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 17)..]);
            if (index >= structureCount || length < 0 || first < 0 || end < first)
            {
                throw Truncated();
            }

            written[i] = new Written(index, length, first, end);
            at += CallFormat.WrittenSize;
        }

        return at;
    }

    public static IReadOnlyList<FarOperationInfo> ReadOperationList(byte[] payload)
    {
        var list = new List<FarOperationInfo>();
        int at = 0;
        int count = U16();
        for (int i = 0; i < count; i++)
        {
            ushort id = (ushort)U16();
            int version = I32();
            int nameLength = U16();
            string name = Encoding.UTF8.GetString(Take(nameLength));
            int structures = U8();
            var parameters = new FarStructureParameter[structures];
            for (int k = 0; k < structures; k++)
            {
                parameters[k] = new FarStructureParameter((FarStructureKind)U8(), (FarElementType)U8(), (FarAccess)U8());
            }

            int argumentCount = U8();
            var arguments = new FarArgumentType[argumentCount];
            for (int k = 0; k < argumentCount; k++)
            {
                arguments[k] = (FarArgumentType)U8();
            }

            list.Add(new FarOperationInfo(id, name, version, parameters, arguments));
        }

        return list;

        ReadOnlySpan<byte> Take(int n)
        {
            if (at + n > payload.Length)
            {
                throw Truncated();
            }

            ReadOnlySpan<byte> slice = payload.AsSpan(at, n);
            at += n;
            return slice;
        }

        int U8() => Take(1)[0];

        int U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

        int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    }

    private static FarMemoryProtocolException Truncated() =>
        new(FrameStatus.BadRequest, "The far-memory server sent a malformed operation answer.");
}
