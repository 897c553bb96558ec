using System.Net;
using System.Net.Sockets;
using FarMemory.Backends;
using FarMemory.Protocol;

namespace FarMemory.IntegrationTests;

/// <summary>
/// The backend against a server that accepts the Hello and then never answers, to see requests in
/// flight time out, get cancelled, and fail when the connection drops.
/// </summary>
public class FakeServerTests
{
    [Fact]
    public async Task PendingRequestsFailWhenTheConnectionDrops()
    {
        using var fake = new SilentServer();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(fake.EndPoint);
        ValueTask<int>[] pending = Enumerable.Range(0, 10).Select(i => backend.ReadAsync(new FarObjectKey(1, i), new byte[8])).ToArray();
        Assert.True(SpinWait.SpinUntil(() => fake.FramesReceived >= 11, TimeSpan.FromSeconds(10)));
        fake.DropClients();
        foreach (ValueTask<int> p in pending)
        {
            await Assert.ThrowsAsync<FarMemoryUnavailableException>(async () => await p);
        }

        await Assert.ThrowsAsync<FarMemoryUnavailableException>(async () => await backend.ReadAsync(new FarObjectKey(1, 1), new byte[8]));
    }

    [Fact]
    public async Task UnansweredRequestTimesOut()
    {
        using var fake = new SilentServer();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(
            fake.EndPoint, new TcpFarMemoryBackendOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) });
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<FarMemoryUnavailableException>(async () => await backend.ReadAsync(new FarObjectKey(1, 1), new byte[8]));
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(190));
    }

    [Fact]
    public async Task CancelledRequestCompletesAtOnce()
    {
        using var fake = new SilentServer();
        await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(fake.EndPoint);
        using var cts = new CancellationTokenSource();
        ValueTask<int> read = backend.ReadAsync(new FarObjectKey(1, 1), new byte[8], cts.Token);
        cts.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await read);
    }

    /// <summary>Answers Hello, swallows everything else.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _clients = new();
        private readonly Thread _thread;
        private int _frames;

        public SilentServer()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(8);
            _thread = new Thread(Serve) { IsBackground = true };
            _thread.Start();
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

        public int FramesReceived => Volatile.Read(ref _frames);

        public void DropClients()
        {
            lock (_clients)
            {
                foreach (Socket client in _clients)
                {
                    client.Dispose();
                }
            }
        }

        public void Dispose()
        {
            _listener.Dispose();
            DropClients();
        }

        private void Serve()
        {
            try
            {
                Socket client = _listener.Accept();
                lock (_clients)
                {
                    _clients.Add(client);
                }

                byte[] head = new byte[FrameHeader.Size];
                while (Fill(client, head))
                {
                    FrameHeader header = FrameHeader.Read(head);
                    byte[] payload = new byte[header.PayloadLength];
                    if (!Fill(client, payload))
                    {
                        return;
                    }

                    Interlocked.Increment(ref _frames);
                    if (header.OpCode == OpCode.Hello)
                    {
                        byte[] answer = RawFrameClient.Frame(OpCode.Hello, header.RequestId, new byte[ProtocolConstants.SessionKeyLength + 4]);
                        client.Send(answer);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        private static bool Fill(Socket socket, byte[] buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int n = socket.Receive(buffer, done, buffer.Length - done, SocketFlags.None);
                if (n == 0)
                {
                    return false;
                }

                done += n;
            }

            return true;
        }
    }
}
