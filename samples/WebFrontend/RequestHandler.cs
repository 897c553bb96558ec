using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;

namespace WebFrontend;

/// <summary>
/// One front-end request, as AIFM's benchmark does it: 32 lookups (one batched far read for the
/// far pairs), one 8 KiB value (fetched without blocking a thread), AES encryption and compression.
/// </summary>
public sealed class RequestHandler : IDisposable
{
    private static readonly byte[] s_key = SHA256.HashData("farmemory web-frontend sample"u8);

    private readonly FrontendData _data;
    private readonly Aes _aes = Aes.Create();

    public RequestHandler(FrontendData data)
    {
        _data = data;
        _aes.Key = s_key;
    }

    public async Task<FrontendResponse> HandleAsync(long request, CancellationToken cancellationToken)
    {
        long[] keys = new long[FrontendData.LookupsPerRequest];
        long[] values = new long[keys.Length];
        bool[] found = new bool[keys.Length];
        _data.KeysOf(request, keys);
        int hits = await _data.Table.TryGetManyAsync(keys, values, found, cancellationToken).ConfigureAwait(false);

        long chosen = 0;
        foreach (long v in values)
        {
            chosen ^= v;
        }

        chosen = (long)((ulong)chosen % (ulong)_data.Options.Values);
        int size = _data.Options.ValueBytes;
        byte[] value = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            await _data.Values.CopyToAsync(chosen * size, value.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
            byte[] encrypted;
            lock (_aes)
            {
                encrypted = _aes.EncryptCbc(value.AsSpan(0, size), new byte[16]);
            }

            using var compressed = new MemoryStream();
            using (var brotli = new BrotliStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                brotli.Write(encrypted);
            }

            return new FrontendResponse(request, chosen, hits, (int)compressed.Length, Convert.ToHexStringLower(SHA256.HashData(compressed.ToArray()))[..16]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(value);
        }
    }

    public void Dispose() => _aes.Dispose();
}
