using System.Net.Sockets;
using FarMemory.Protocol;

namespace FarMemory.Server.Tests;

public class FuzzTests
{
    /// <summary>
    /// Feeds a live server 100,000 frames: well-formed requests with random contents, frames with
    /// mutated bytes, random lengths and opcodes, and plain noise. The server must stay up and keep
    /// serving a well-behaved client.
    /// </summary>
    [Fact]
    public async Task ServerSurvivesAHundredThousandRandomAndMutatedFrames()
    {
        await using FarMemoryServer server = await ServerFixture.StartAsync(o =>
        {
            o.MaxFrameLength = 64 * 1024;
            o.PerClientQuotaBytes = 256 * 1024;
        });
        var random = new Random(20261125);
        const int Target = 100_000;
        int fed = 0;
        int connections = 0;
        while (fed < Target)
        {
            using RawFrameClient client = RawFrameClient.Connect(server.EndPoint);
            connections++;
            if (random.Next(10) != 0)
            {
                client.Hello();
            }

            var batch = new List<byte>();
            int frames = random.Next(1, 400);
            for (int f = 0; f < frames; f++)
            {
                batch.AddRange(NextFrame(random));
            }

            try
            {
                client.Send(batch.ToArray());
                fed += frames;
                client.Socket.Shutdown(SocketShutdown.Send);
                client.WaitForClose();
            }
            catch (SocketException)
            {
                // The server closed early on a fatal frame; the rest of the batch went nowhere.
                fed += 1;
            }
        }

        Assert.True(connections > 10);
        MalformedInputTests.AssertGoodClientWorks(server);
        Assert.True(server.StoredBytes <= 16L * 256 * 1024 * connections);
    }

    private static byte[] NextFrame(Random random)
    {
        int kind = random.Next(100);
        if (kind < 70)
        {
            // A well-formed request with random fields: mostly answered, some bad requests.
            OpCode op = (OpCode)random.Next(1, 13);
            byte[] payload = op switch
            {
                OpCode.CreateStructure or OpCode.DropStructure => RawFrameClient.Int32(random.Next(4)),
                OpCode.Read or OpCode.Remove => RawFrameClient.Key(random.Next(4), random.Next(100)),
                OpCode.Write => RawFrameClient.Key(random.Next(4), random.Next(100), new byte[random.Next(0, 300)]),
                OpCode.ReadBatch or OpCode.RemoveBatch => [.. RawFrameClient.Int32(2), .. RawFrameClient.Key(1, 1), .. RawFrameClient.Key(2, random.Next(100))],
                OpCode.WriteBatch => [.. RawFrameClient.Int32(1), .. RawFrameClient.Key(random.Next(4), 3), .. RawFrameClient.Int32(4), 1, 2, 3, 4],
                _ => RandomBytes(random, random.Next(0, 64)),
            };
            return RawFrameClient.Frame(op, (ulong)random.NextInt64(), payload);
        }

        if (kind < 90)
        {
            // A valid frame with a few bytes flipped (length, opcode or payload).
            byte[] frame = RawFrameClient.Frame(OpCode.Write, 1, RawFrameClient.Key(1, random.Next(100), RandomBytes(random, random.Next(0, 100))));
            int flips = random.Next(1, 4);
            for (int i = 0; i < flips; i++)
            {
                frame[random.Next(frame.Length)] = (byte)random.Next(256);
            }

            return frame;
        }

        // Noise.
        return RandomBytes(random, random.Next(1, 64));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
