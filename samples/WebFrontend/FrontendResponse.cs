namespace WebFrontend;

/// <summary>What <c>/request/{id}</c> answers: the value it chose, found lookups, and the sizes and a hash of the encrypted, compressed value.</summary>
public sealed record FrontendResponse(long Request, long Value, int Found, int CompressedBytes, string Sha256);
