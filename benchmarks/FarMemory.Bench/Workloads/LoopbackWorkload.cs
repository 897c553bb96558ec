using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using FarMemory.Backends;
using FarMemory.Bench.Infrastructure;
using FarMemory.Bench.Reporting;

namespace FarMemory.Bench.Workloads;

/// <summary>
/// The physical limit of this machine's loopback, and how close FarMemory's protocol gets to it:
/// 64-byte round trips (depth 1, async on both sides) and bulk reads between two processes, once over
/// a raw socket and once through <see cref="TcpFarMemoryBackend"/> to a farmem-server process.
/// </summary>
internal static class LoopbackWorkload
{
    private const int PingBytes = 64;
    private const int ObjectBytes = 256 * 1024;
    private const int InFlight = 8;

    public static async Task<BenchReport> RunAsync(BenchOptions options)
    {
        int roundTrips = options.Quick ? 5_000 : 50_000;
        long bulkBytes = options.SizeBytes ?? (options.Quick ? 64L << 20 : 512L << 20);
        bulkBytes -= bulkBytes % ObjectBytes;
        var report = new BenchReport { Workload = "loopback", SizeBytes = bulkBytes };
        var rtt = new JsonObject();

        using (ChildProcess echo = ChildProcess.StartDll("FarMemory.Bench.dll", "echo-server"))
        {
            (double p50, double p99) = await RawPingAsync(echo.EndPoint, roundTrips);
            (double seconds, ulong sum) = await RawBulkAsync(echo.EndPoint, bulkBytes);
            rtt["raw-socket"] = new JsonObject { ["p50"] = p50, ["p99"] = p99 };
            report.Results.Add(Result("raw-socket", bulkBytes, seconds, sum));
        }

        ChildProcess? server = options.Server == null
            ? ChildProcess.StartDll("farmem-server.dll", "--port", "0", "--max-memory", $"{(bulkBytes >> 20) + 64}m", "--log-level", "Warning")
            : null;
        try
        {
            IPEndPoint endPoint = server?.EndPoint ?? IPEndPoint.Parse(options.Server!);
            await using TcpFarMemoryBackend backend = await TcpFarMemoryBackend.ConnectAsync(endPoint);
            (double p50, double p99) = await FarPingAsync(backend, roundTrips);
            (double seconds, ulong sum) = await FarBulkAsync(backend, bulkBytes);
            rtt["farmemory"] = new JsonObject { ["p50"] = p50, ["p99"] = p99 };
            report.Results.Add(Result("farmemory", bulkBytes, seconds, sum, bytesFromFar: bulkBytes, bytesToFar: bulkBytes));
        }
        finally
        {
            server?.Dispose();
        }

        report.Extra["rttMicros"] = rtt;
        report.Extra["pingBytes"] = PingBytes;
        report.Extra["roundTrips"] = roundTrips;
        report.Extra["farObjectBytes"] = ObjectBytes;
        report.Extra["farReadsInFlight"] = InFlight;
        return report;
    }

    /// <summary>Raw-socket bulk bandwidth to a fresh echo process: the physical limit other workloads quote.</summary>
    public static async Task<double> RawBulkBytesPerSecondAsync(long bytes)
    {
        using ChildProcess echo = ChildProcess.StartDll("FarMemory.Bench.dll", "echo-server");
        (double seconds, _) = await RawBulkAsync(echo.EndPoint, bytes);
        return Math.Round(bytes / seconds);
    }

    private static BenchResult Result(string system, long bytes, double seconds, ulong sum, long bytesFromFar = 0, long bytesToFar = 0) => new()
    {
        System = system,
        Throughput = bytes / seconds,
        Unit = "bytes/s",
        Seconds = seconds,
        BytesFromFar = bytesFromFar,
        BytesToFar = bytesToFar,
        Checksum = sum.ToString("x16", CultureInfo.InvariantCulture),
    };

    private static async Task<(double P50, double P99)> RawPingAsync(IPEndPoint endPoint, int count)
    {
        using Socket socket = await ConnectAsync(endPoint);
        byte[] request = new byte[8 + PingBytes];
        BinaryPrimitives.WriteInt64LittleEndian(request, PingBytes);
        byte[] response = new byte[PingBytes];
        return await MeasureAsync(count, async () =>
        {
            await socket.SendAsync(request);
            await EchoServer.FillAsync(socket, response);
        });
    }

    private static async Task<(double Seconds, ulong Sum)> RawBulkAsync(IPEndPoint endPoint, long bytes)
    {
        using Socket socket = await ConnectAsync(endPoint);
        byte[] request = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(request, -bytes);
        byte[] buffer = new byte[1 << 16];
        ulong sum = 0;
        long received = 0;
        var clock = Stopwatch.StartNew();
        await socket.SendAsync(request);
        int carry = 0;
        while (received < bytes)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(carry));
            if (n == 0)
            {
                throw new IOException("echo server closed early");
            }

            int usable = (carry + n) & ~7;
            sum = Pattern.Sum(buffer.AsSpan(0, usable), sum);
            carry = carry + n - usable;
            buffer.AsSpan(usable, carry).CopyTo(buffer);
            received += n;
        }

        return (clock.Elapsed.TotalSeconds, sum);
    }

    private static Task<(double P50, double P99)> FarPingAsync(TcpFarMemoryBackend backend, int count)
    {
        byte[] payload = new byte[PingBytes];
        return MeasureAsync(count, async () => await backend.PingAsync(payload));
    }

    private static async Task<(double Seconds, ulong Sum)> FarBulkAsync(TcpFarMemoryBackend backend, long bytes)
    {
        const int StructureId = 1;
        int objects = (int)(bytes / ObjectBytes);
        await backend.CreateStructureAsync(StructureId);
        byte[] buffer = new byte[ObjectBytes];
        for (int i = 0; i < objects; i++)
        {
            Pattern.Fill(buffer, (long)i * ObjectBytes);
            await backend.WriteAsync(new FarObjectKey(StructureId, i), buffer);
        }

        byte[][] buffers = Enumerable.Range(0, InFlight).Select(_ => new byte[ObjectBytes]).ToArray();
        var pending = new ValueTask<int>[InFlight];
        ulong sum = 0;
        var clock = Stopwatch.StartNew();
        for (int first = 0; first < objects; first += InFlight)
        {
            int n = Math.Min(InFlight, objects - first);
            for (int k = 0; k < n; k++)
            {
                pending[k] = backend.ReadAsync(new FarObjectKey(StructureId, first + k), buffers[k]);
            }

            for (int k = 0; k < n; k++)
            {
                if (await pending[k] != ObjectBytes)
                {
                    throw new InvalidOperationException($"object {first + k} came back short");
                }

                sum = Pattern.Sum(buffers[k], sum);
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        await backend.DropStructureAsync(StructureId);
        return (seconds, sum);
    }

    private static async Task<(double P50, double P99)> MeasureAsync(int count, Func<Task> roundTrip)
    {
        for (int i = 0; i < Math.Min(1000, count / 5); i++)
        {
            await roundTrip();
        }

        var micros = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await roundTrip();
            micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(micros);
        return (Math.Round(micros[count / 2], 1), Math.Round(micros[(int)(count * 0.99)], 1));
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return socket;
    }
}
