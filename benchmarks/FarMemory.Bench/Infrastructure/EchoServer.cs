using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// The raw-socket peer for the physical-limit measurements, run as a separate process
/// (<c>FarMemory.Bench echo-server</c>). Per connection: a request of 8 bytes N &gt; 0 means "echo
/// the next N bytes back"; N &lt; 0 means "stream -N pattern bytes to me".
/// </summary>
internal static class EchoServer
{
    public static async Task<int> RunAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        Console.WriteLine($"listening {listener.LocalEndPoint}");
        while (true)
        {
            Socket client = await listener.AcceptAsync();
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private static async Task ServeAsync(Socket client)
    {
        client.NoDelay = true;
        byte[] buffer = new byte[1 << 16];
        try
        {
            while (true)
            {
                if (!await FillAsync(client, buffer.AsMemory(0, 8)))
                {
                    return;
                }

                long n = BinaryPrimitives.ReadInt64LittleEndian(buffer);
                if (n > 0)
                {
                    if (!await FillAsync(client, buffer.AsMemory(0, (int)n)))
                    {
                        return;
                    }

                    await client.SendAsync(buffer.AsMemory(0, (int)n));
                }
                else
                {
                    for (long sent = 0; sent < -n;)
                    {
                        int chunk = (int)Math.Min(buffer.Length, -n - sent);
                        Pattern.Fill(buffer.AsSpan(0, chunk), sent);
                        sent += await client.SendAsync(buffer.AsMemory(0, chunk));
                    }
                }
            }
        }
        catch (SocketException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public static async Task<bool> FillAsync(Socket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = await socket.ReceiveAsync(buffer);
            if (n == 0)
            {
                return false;
            }

            buffer = buffer[n..];
        }

        return true;
    }
}
