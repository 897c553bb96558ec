using System.IO.Compression;
using System.Security.Cryptography;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// A worker's per-request compute, as in AIFM's front-end: AES-256-CBC encryption of the value, then
/// compression of the ciphertext. Split in two so a system can encrypt straight from memory it holds
/// only briefly (a FarMemory scope) and compress after letting go of it.
/// </summary>
internal sealed class RequestCompute : IDisposable
{
    private static readonly byte[] s_key = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();
    private static readonly byte[] s_iv = Enumerable.Range(1, 16).Select(i => (byte)(i * 13)).ToArray();

    private readonly Aes _aes = Aes.Create();
    private readonly byte[] _cipher;
    private readonly MemoryStream _compressed;
    private int _cipherBytes;

    public RequestCompute(int valueSize)
    {
        _aes.Key = s_key;
        _cipher = new byte[valueSize + 16];
        _compressed = new MemoryStream(valueSize + 1024);
    }

    /// <summary>Total compressed bytes produced (the same for every system).</summary>
    public long OutputBytes { get; private set; }

    public void Encrypt(ReadOnlySpan<byte> value) =>
        _cipherBytes = _aes.EncryptCbc(value, s_iv, _cipher, PaddingMode.PKCS7);

    /// <summary>Compresses the last ciphertext; returns the compressed length.</summary>
    public int Compress()
    {
        _compressed.SetLength(0);
        using (var deflate = new DeflateStream(_compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(_cipher, 0, _cipherBytes);
        }

        int length = (int)_compressed.Length;
        OutputBytes += length;
        return length;
    }

    public void Dispose()
    {
        _aes.Dispose();
        _compressed.Dispose();
    }
}
