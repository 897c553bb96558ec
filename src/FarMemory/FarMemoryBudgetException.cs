namespace FarMemory;

/// <summary>
/// The local byte budget cannot satisfy a request: either the request alone is larger than the
/// budget allows, or every object that could be evicted is held by an open <see cref="Scopes.DerefScope"/>.
/// Nothing is lost when this is thrown: the operation that needed the memory did not happen.
/// </summary>
public sealed class FarMemoryBudgetException : FarMemoryException
{
    public FarMemoryBudgetException(string message)
        : base(message)
    {
    }
}
