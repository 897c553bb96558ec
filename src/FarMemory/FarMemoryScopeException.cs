namespace FarMemory;

/// <summary>
/// A dereference was attempted without a live <see cref="Scopes.DerefScope"/> of the same runtime on
/// the calling thread. Refs handed out outside a scope could point at memory the evacuator reuses,
/// so the runtime refuses instead of returning something that may silently change.
/// </summary>
public sealed class FarMemoryScopeException : FarMemoryException
{
    public FarMemoryScopeException(string message)
        : base(message)
    {
    }
}
