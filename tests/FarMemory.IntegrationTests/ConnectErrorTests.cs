using System.Net;
using System.Net.Sockets;
using System.Text;
using FarMemory.Backends;

namespace FarMemory.IntegrationTests;

/// <summary>Connecting to something that is not a working farmem-server fails with a typed error naming it.</summary>
public class ConnectErrorTests
{
    [Fact]
    public async Task AnUnknownHostIsUnavailableAndNamed()
    {
        FarMemoryUnavailableException e = await Assert.ThrowsAsync<FarMemoryUnavailableException>(
            () => TcpFarMemoryBackend.ConnectAsync("no-such-host.invalid", 7400));
        Assert.Contains("no-such-host.invalid", e.Message);
        Assert.Contains("7400", e.Message);
    }

    [Fact]
    public async Task ARefusedConnectionIsUnavailableAndNamesTheEndPoint()
    {
        IPEndPoint closed;
        using (var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closed = (IPEndPoint)listener.LocalEndPoint!;
        }

        FarMemoryUnavailableException e = await Assert.ThrowsAsync<FarMemoryUnavailableException>(() => TcpFarMemoryBackend.ConnectAsync(closed));
        Assert.Contains(closed.ToString(), e.Message);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AHostNameConnectsAndARefusedOneNamesHostAndPort()
    {
        await using Server.FarMemoryServer server = await Servers.StartAsync();
        int port = server.EndPoint.Port;
        await using (TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync("localhost", port))
        {
            Assert.Equal(port, ((IPEndPoint)backend.EndPoint).Port);
        }

        await server.DisposeAsync();
        FarMemoryUnavailableException e = await Assert.ThrowsAsync<FarMemoryUnavailableException>(() => TcpFarMemoryBackend.ConnectAsync("localhost", port));
        Assert.Contains($"localhost:{port}", e.Message);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AServerThatNeverAnswersTimesOut()
    {
        using var peer = new Peer(answer: null);
        FarMemoryTimeoutException e = await Assert.ThrowsAsync<FarMemoryTimeoutException>(
            () => TcpFarMemoryBackend.ConnectAsync(peer.EndPoint, new TcpFarMemoryBackendOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Contains("timed out", e.Message);
        Assert.Contains(peer.EndPoint.ToString(), e.Message);
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("")]
    public async Task AnotherServiceIsNotAFarmemServer(string answer)
    {
        using var peer = new Peer(answer);
        FarMemoryProtocolException e = await Assert.ThrowsAsync<FarMemoryProtocolException>(
            () => TcpFarMemoryBackend.ConnectAsync(peer.EndPoint, new TcpFarMemoryBackendOptions { ConnectTimeout = TimeSpan.FromSeconds(10) }));
        Assert.Contains("not a farmem-server (bad greeting)", e.Message);
        Assert.Contains(peer.EndPoint.ToString(), e.Message);
    }

    /// <summary>Accepts one connection, then sends <c>answer</c> and closes it (or, for null, keeps it open and silent).</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly Task _serve;
        private Socket? _client;

        public Peer(string? answer)
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(4);
            _serve = Task.Run(async () =>
            {
                Socket client = await _listener.AcceptAsync();
                _client = client;
                if (answer != null)
                {
                    await client.SendAsync(Encoding.ASCII.GetBytes(answer));
                    client.Shutdown(SocketShutdown.Both);
                }
            });
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

        public void Dispose()
        {
            _listener.Dispose();
            _client?.Dispose();
        }
    }
}
