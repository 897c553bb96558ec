using System.Security.Cryptography;
using System.Text;

namespace FarMemory.Server.Security;

/// <summary>
/// Checks the auth token of a Hello in constant time: both sides are hashed first, so neither the
/// length nor the content of the expected token leaks through timing.
/// </summary>
internal sealed class TokenVerifier
{
    private readonly byte[]? _expectedHash;

    public TokenVerifier(string? token) =>
        _expectedHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool RequiresToken => _expectedHash != null;

    public bool Verify(ReadOnlySpan<byte> presented)
    {
        if (_expectedHash == null)
        {
            return true;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(presented, hash);
        return CryptographicOperations.FixedTimeEquals(hash, _expectedHash);
    }
}
