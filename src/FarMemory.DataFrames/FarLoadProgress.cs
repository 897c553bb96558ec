namespace FarMemory.DataFrames;

/// <summary>How far a load has come: bytes of the input consumed and rows stored so far (<paramref name="TotalBytes"/> is 0 when unknown).</summary>
public readonly record struct FarLoadProgress(long Bytes, long Rows, long TotalBytes);
