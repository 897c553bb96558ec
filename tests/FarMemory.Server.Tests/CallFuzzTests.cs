using System.Buffers.Binary;
using FarMemory.Backends;
using FarMemory.Collections;
using FarMemory.Offload;
using FarMemory.Protocol;

namespace FarMemory.Server.Tests;

/// <summary>
/// Fuzzes the remote agent's <see cref="OpCode.Call"/> payload: calls of the real operations with
/// random structure references (wrong element types, object sizes and lengths that disagree with
/// what is stored, ids of no structure) and random arguments (hostile ranges, NaN, predicate bytes
/// that are noise), calls of random ids and shapes, and mutated or truncated payloads. Every call
/// must get exactly one answer with its request id and a typed status (never an internal error),
/// and the server must keep serving well-behaved clients, calls included.
/// </summary>
public class CallFuzzTests
{
    private const int Connections = 16;
    private const int CallsPerConnection = 250;
    private const int ObjectBytes = 4096;
    private const int ObjectsPerStructure = 16;

    [Fact]
    public async Task EveryFuzzedCallGetsOneTypedAnswerAndTheServerKeepsServing()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync(o =>
        {
            o.PerClientQuotaBytes = 8 << 20;
            o.CallDeadline = TimeSpan.FromMilliseconds(50);
            o.MaxCallDeadline = TimeSpan.FromMilliseconds(200);
            o.MaxCallWriteBytes = 4 << 20;
            o.MaxCallResultBytes = 1 << 20;
        });
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var random = new Random(20261203);
        var statuses = new Dictionary<FrameStatus, int>();
        await Task.Run(
            () =>
            {
                for (int c = 0; c < Connections; c++)
                {
                    FuzzOneConnection(server, random, statuses);
                }
            }).WaitAsync(bound.Token);

        Assert.False(statuses.ContainsKey(FrameStatus.InternalError), Describe(statuses));
        Assert.True(statuses.GetValueOrDefault(FrameStatus.Ok) > 0, Describe(statuses));
        Assert.True(statuses.GetValueOrDefault(FrameStatus.InvalidArgument) > 0, Describe(statuses));
        Assert.True(statuses.GetValueOrDefault(FrameStatus.OperationNotFound) > 0, Describe(statuses));
        Assert.True(server.CallCounts.Calls > 0, Describe(statuses));

        MalformedInputTests.AssertGoodClientWorks(server);
        await AssertRealCallsWorkAsync(server).WaitAsync(bound.Token);
    }

    private static void FuzzOneConnection(FarMemoryServer server, Random random, Dictionary<FrameStatus, int> statuses)
    {
        using RawFrameClient client = RawFrameClient.Connect(server.EndPoint);
        client.Hello();
        List<Operation> operations = ListOperations(client);
        Assert.NotEmpty(operations);
        for (int s = 1; s <= 3; s++)
        {
            Assert.Equal(FrameStatus.Ok, client.Call(OpCode.CreateStructure, 2, RawFrameClient.Int32(s))!.Value.Header.Status);
            int size = s == 3 ? 100 : ObjectBytes; // structure 3's objects disagree with any sane object size
            for (int o = 0; o < ObjectsPerStructure; o++)
            {
                byte[] bytes = new byte[size];
                random.NextBytes(bytes);
                Assert.Equal(FrameStatus.Ok, client.Call(OpCode.Write, 3, RawFrameClient.Key(s, o, bytes))!.Value.Header.Status);
            }
        }

        // Pipeline every call, then read every answer: a call never closes the connection.
        var pending = new HashSet<ulong>();
        var frames = new List<byte>();
        for (int i = 0; i < CallsPerConnection; i++)
        {
            ulong id = 1000 + (ulong)i;
            pending.Add(id);
            frames.AddRange(RawFrameClient.Frame(OpCode.Call, id, NextPayload(random, operations)));
        }

        client.Send(frames.ToArray());
        while (pending.Count > 0)
        {
            (FrameHeader header, byte[] _) = client.Receive() ?? throw new Xunit.Sdk.XunitException($"the server closed with {pending.Count} calls unanswered");
            Assert.Equal(OpCode.Call, header.OpCode);
            Assert.True(pending.Remove(header.RequestId), $"an answer to request {header.RequestId}, which is not pending");
            statuses[header.Status] = statuses.GetValueOrDefault(header.Status) + 1;
        }
    }

    private static byte[] NextPayload(Random random, List<Operation> operations)
    {
        int kind = random.Next(100);
        if (kind < 55)
        {
            return WellTyped(random, operations[random.Next(operations.Count)]);
        }

        if (kind < 75)
        {
            return Shaped(random, (ushort)random.Next(0, operations.Count + 4), random.Next(0, 4), random.Next(0, 5));
        }

        byte[] payload = WellTyped(random, operations[random.Next(operations.Count)]);
        if (kind < 90)
        {
            int flips = random.Next(1, 5);
            for (int i = 0; i < flips; i++)
            {
                payload[random.Next(payload.Length)] = (byte)random.Next(256);
            }

            return payload;
        }

        return payload[..random.Next(payload.Length)];
    }

    /// <summary>A call whose shape matches the operation, with hostile contents.</summary>
    private static byte[] WellTyped(Random random, Operation op)
    {
        var p = new List<byte>();
        Header(p, op.Id, random);
        p.Add((byte)op.Structures.Length);
        foreach ((byte kind, byte elementType, byte access) in op.Structures)
        {
            // Mostly a type the operation takes (any of the five where it takes any), sometimes none.
            byte element = random.Next(8) == 0 ? (byte)random.Next(0, 7) : elementType != 0 ? elementType : (byte)random.Next(1, 6);
            StructureRef(p, random, kind, element, random.Next(12) == 0 ? (byte)random.Next(0, 4) : access);
        }

        p.Add((byte)op.Arguments.Length);
        foreach (byte type in op.Arguments)
        {
            Argument(p, random, random.Next(20) == 0 ? (byte)random.Next(0, 6) : type);
        }

        return [.. p];
    }

    /// <summary>A call of any id with any number of structures and arguments of any type.</summary>
    private static byte[] Shaped(Random random, ushort id, int structures, int arguments)
    {
        var p = new List<byte>();
        Header(p, id, random);
        p.Add((byte)structures);
        for (int i = 0; i < structures; i++)
        {
            StructureRef(p, random, (byte)random.Next(0, 3), (byte)random.Next(0, 7), (byte)random.Next(0, 4));
        }

        p.Add((byte)arguments);
        for (int i = 0; i < arguments; i++)
        {
            Argument(p, random, (byte)random.Next(0, 6));
        }

        return [.. p];
    }

    private static void Header(List<byte> p, ushort id, Random random)
    {
        Span<byte> b = stackalloc byte[6];
        BinaryPrimitives.WriteUInt16LittleEndian(b, id);
        uint deadline = random.Next(8) switch { 0 => 1, 1 => (uint)random.Next(1, 300), 2 => uint.MaxValue, _ => 0 };
        BinaryPrimitives.WriteUInt32LittleEndian(b[2..], deadline);
        p.AddRange(b);
    }

    private static void StructureRef(List<byte> p, Random random, byte kind, byte elementType, byte access)
    {
        Span<byte> b = stackalloc byte[CallFormat.StructureRefSize];
        BinaryPrimitives.WriteInt32LittleEndian(b, random.Next(16) switch { 0 => 9, 1 => -1, _ => random.Next(1, 4) });
        b[4] = kind;
        b[5] = elementType;
        b[6] = access;
        b[7] = (byte)(random.Next(16) == 0 ? random.Next(0, 256) : random.Next(0, 2));
        int elementsPerObject = random.Next(16) switch
        {
            0 => 0,
            1 => -5,
            2 => random.Next(1, 3000),
            3 => int.MaxValue,
            _ => ObjectBytes / (elementType switch { 1 or 3 => 4, 2 or 4 => 8, _ => 1 }),
        };
        BinaryPrimitives.WriteInt32LittleEndian(b[8..], elementsPerObject);
        long length = random.Next(16) switch
        {
            0 => 0,
            1 => -1,
            2 => long.MaxValue,
            3 => random.NextInt64(0, 1L << 40),
            _ => random.NextInt64(0, ObjectsPerStructure * (ObjectBytes / 8) + 1000),
        };
        BinaryPrimitives.WriteInt64LittleEndian(b[12..], length);
        p.AddRange(b);
    }

    private static void Argument(List<byte> p, Random random, byte type)
    {
        p.Add(type);
        Span<byte> b = stackalloc byte[8];
        switch (type)
        {
            case (byte)FarArgumentType.Int64:
                long v = random.Next(10) switch { 0 => -1, 1 => long.MinValue, 2 => long.MaxValue, 3 or 4 or 5 => random.Next(0, 9_000), _ => random.Next(0, 64) };
                BinaryPrimitives.WriteInt64LittleEndian(b, v);
                p.AddRange(b);
                break;
            case (byte)FarArgumentType.Double:
                double d = random.Next(5) switch { 0 => double.NaN, 1 => double.PositiveInfinity, 2 => -1e300, _ => random.NextDouble() * 100 - 50 };
                BinaryPrimitives.WriteDoubleLittleEndian(b, d);
                p.AddRange(b);
                break;
            case (byte)FarArgumentType.String or (byte)FarArgumentType.Bytes:
                int length = random.Next(10) == 0 ? random.Next(int.MinValue, int.MaxValue) : random.Next(0, 80);
                BinaryPrimitives.WriteInt32LittleEndian(b, length);
                p.AddRange(b[..4]);
                for (int i = 0; i < Math.Clamp(length, 0, 80); i++)
                {
                    p.Add((byte)random.Next(256));
                }

                break;
            default:
                // An unknown type: whatever follows is garbage.
                p.Add((byte)random.Next(256));
                break;
        }
    }

    private static List<Operation> ListOperations(RawFrameClient client)
    {
        (FrameHeader header, byte[] payload) = client.Call(OpCode.ListOperations, 4, []) ?? throw new IOException("closed on ListOperations");
        Assert.Equal(FrameStatus.Ok, header.Status);
        var reader = new SpanCursor(payload);
        int count = reader.U16();
        var operations = new List<Operation>(count);
        for (int i = 0; i < count; i++)
        {
            ushort id = reader.U16();
            reader.Skip(4);
            reader.Skip(reader.U16());
            var structures = new (byte, byte, byte)[reader.U8()];
            for (int s = 0; s < structures.Length; s++)
            {
                structures[s] = (reader.U8(), reader.U8(), reader.U8());
            }

            byte[] arguments = new byte[reader.U8()];
            for (int a = 0; a < arguments.Length; a++)
            {
                arguments[a] = reader.U8();
            }

            operations.Add(new Operation(id, structures, arguments));
        }

        return operations;
    }

    /// <summary>A fresh session through the real client still gets right answers from the agent.</summary>
    private static async Task AssertRealCallsWorkAsync(FarMemoryServer server)
    {
        TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(server.EndPoint);
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 256 << 10, SegmentSize = 32 << 10, Backend = backend });
        using RemVector<long> v = runtime.CreateVector<long>();
        long[] values = Enumerable.Range(0, 50_000).Select(i => (long)(i % 1000) - 300).ToArray();
        v.AddRange(values);
        Assert.Equal(values.Sum(), (long)await v.Offload.SumAsync());
        Assert.Equal(values.Count(x => x > 500), await v.Offload.CountAsync(FarPredicate.GreaterThan(500L)));
    }

    private static string Describe(Dictionary<FrameStatus, int> statuses) =>
        string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"));

    private sealed record Operation(ushort Id, (byte Kind, byte ElementType, byte Access)[] Structures, byte[] Arguments);

    private ref struct SpanCursor(ReadOnlySpan<byte> span)
    {
        private ReadOnlySpan<byte> _rest = span;

        public byte U8()
        {
            byte b = _rest[0];
            _rest = _rest[1..];
            return b;
        }

        public ushort U16()
        {
            ushort v = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
            _rest = _rest[2..];
            return v;
        }

        public void Skip(int n) => _rest = _rest[n..];
    }
}
