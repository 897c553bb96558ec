using System.Net;
using FarMemory.Backends;

namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// The far-memory server a run uses: a farmem-server process on loopback started for the run, or
/// the one named by <c>--server</c>. Each system connects its own backend (its own session).
/// </summary>
internal sealed class FarServer : IDisposable
{
    private readonly ChildProcess? _process;

    public FarServer(BenchOptions options, long maxMemoryBytes)
    {
        if (options.Server == null)
        {
            _process = ChildProcess.StartDll("farmem-server.dll", "--port", "0", "--max-memory", $"{(maxMemoryBytes >> 20) + 64}m", "--log-level", "Warning", "--retention", "0");
            EndPoint = _process.EndPoint;
        }
        else
        {
            EndPoint = IPEndPoint.Parse(options.Server);
        }
    }

    public IPEndPoint EndPoint { get; }

    public Task<TcpFarMemoryBackend> ConnectAsync(int connections = 1) =>
        TcpFarMemoryBackend.ConnectAsync(EndPoint, new TcpFarMemoryBackendOptions { Connections = connections });

    public void Dispose() => _process?.Dispose();
}
