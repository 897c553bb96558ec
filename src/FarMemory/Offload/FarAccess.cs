namespace FarMemory.Offload;

/// <summary>How an operation uses a structure argument. Values are part of the wire format.</summary>
public enum FarAccess : byte
{
    /// <summary>Read in place; the client writes its dirty copies back before the call.</summary>
    Read = 1,

    /// <summary>
    /// Read and written. Writes are staged and become visible only when the operation succeeds;
    /// the client then drops its local copies of the objects the call touched.
    /// </summary>
    Write = 2,
}
