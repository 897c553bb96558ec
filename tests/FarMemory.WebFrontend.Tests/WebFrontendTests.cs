using System.IO.Compression;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using WebFrontend;

namespace FarMemory.WebFrontend.Tests;

/// <summary>The web front-end sample hosted in-process over a real (embedded) far-memory server, with most of its values far.</summary>
public sealed class WebFrontendTests : IClassFixture<WebFrontendTests.Factory>
{
    private const long Keys = 20_000;
    private const long Values = 2_048;
    private const int ValueBytes = 8192;

    private readonly Factory _factory;

    public WebFrontendTests(Factory factory) => _factory = factory;

    [Fact]
    public async Task RequestsAnswerWhatTheDataDefines()
    {
        using HttpClient client = _factory.CreateClient();
        foreach (long request in new long[] { 0, 1, 42, 77_777, 123_456_789 })
        {
            FrontendResponse? response = await client.GetFromJsonAsync<FrontendResponse>($"/request/{request}");
            Assert.NotNull(response);
            Assert.Equal(Expected(request), response);
        }
    }

    [Fact]
    public async Task HealthAndStatsReportTheRuntime()
    {
        using HttpClient client = _factory.CreateClient();
        _ = await client.GetStringAsync("/request/5");
        using JsonDocument health = JsonDocument.Parse(await client.GetStringAsync("/health"));
        Assert.Equal("Healthy", health.RootElement.GetProperty("status").GetString());
        JsonElement data = health.RootElement.GetProperty("checks").GetProperty("farmemory").GetProperty("data");
        Assert.Equal(8L << 20, data.GetProperty("budgetBytes").GetInt64());

        using JsonDocument stats = JsonDocument.Parse(await client.GetStringAsync("/stats"));
        Assert.True(stats.RootElement.GetProperty("bytesToFar").GetInt64() > 0, "16 MiB of values through an 8 MiB budget must have gone far");
    }

    /// <summary>The answer computed here from the data's definition, without the service.</summary>
    private static FrontendResponse Expected(long request)
    {
        var options = new FrontendOptions { Keys = Keys, Values = Values, ValueBytes = ValueBytes };
        Span<long> keys = stackalloc long[FrontendData.LookupsPerRequest];
        ulong x = (ulong)request * 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < keys.Length; i++)
        {
            x ^= x >> 33;
            x *= 0xFF51AFD7ED558CCDUL;
            keys[i] = (long)(x % (ulong)options.Keys);
        }

        long chosen = 0;
        foreach (long key in keys)
        {
            chosen ^= (long)((ulong)(key * 2654435761L) % (ulong)options.Values);
        }

        chosen = (long)((ulong)chosen % (ulong)options.Values);
        byte[] value = new byte[ValueBytes];
        FrontendData.Fill(chosen, value);
        using var aes = Aes.Create();
        aes.Key = SHA256.HashData("farmemory web-frontend sample"u8);
        byte[] encrypted = aes.EncryptCbc(value, new byte[16]);
        using var compressed = new MemoryStream();
        using (var brotli = new BrotliStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            brotli.Write(encrypted);
        }

        return new FrontendResponse(request, chosen, FrontendData.LookupsPerRequest, (int)compressed.Length, Convert.ToHexStringLower(SHA256.HashData(compressed.ToArray()))[..16]);
    }

    /// <summary>Hosts the sample with a small data set under an 8 MiB budget.</summary>
    public sealed class Factory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("FarMemory:LocalBudgetBytes", (8L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Frontend:Keys", Keys.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Frontend:Values", Values.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Frontend:ValueBytes", ValueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
