namespace FarMemory;

/// <summary>
/// A call's structures or arguments do not match what the operation declares (count, kind,
/// element type, access); it was refused before it ran.
/// </summary>
public sealed class FarOperationArgumentException : FarOperationException
{
    public FarOperationArgumentException(string message)
        : base(message)
    {
    }
}
