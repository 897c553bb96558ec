namespace FarMemory;

/// <summary>The operation ran past its deadline and was stopped; nothing it wrote is visible.</summary>
public sealed class FarOperationTimeoutException : FarOperationException
{
    public FarOperationTimeoutException(string message)
        : base(message)
    {
    }
}
