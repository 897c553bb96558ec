namespace FarMemory;

/// <summary>
/// The server has no operation of that name and version. Only operations its operator installed
/// run there (built-ins, and assemblies given to <c>farmem-server --operations</c>).
/// </summary>
public sealed class FarOperationNotFoundException : FarOperationException
{
    public FarOperationNotFoundException(string message)
        : base(message)
    {
    }
}
