namespace FarMemory;

/// <summary>
/// The operation's result grew past the server's cap (<c>--max-call-result</c>); nothing it wrote
/// is visible. Ask for a smaller range, or have the operation write a structure instead.
/// </summary>
public sealed class FarOperationResultTooLargeException : FarOperationException
{
    public FarOperationResultTooLargeException(string message)
        : base(message)
    {
    }
}
