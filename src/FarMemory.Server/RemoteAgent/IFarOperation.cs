namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// An operation the far-memory server runs next to a client's data. Only the server's operator
/// installs operations (built-ins, and assemblies named with <c>farmem-server --operations</c> or
/// <see cref="FarMemoryServerOptions.OperationAssemblies"/>): .NET has no sandbox, so code sent by
/// a client would be remote code execution. Clients call an operation by name and version with
/// structures and data arguments.
/// </summary>
/// <remarks>
/// <para>A fresh instance runs each call (public parameterless constructor), on the server's worker
/// pool, never on a connection's read loop. It sees only the caller's structures, resolved in the
/// caller's session. It must check <see cref="FarCallContext.CancellationToken"/> (or call
/// <see cref="FarCallContext.ThrowIfCancellationRequested"/>) every few thousand elements: the
/// deadline (100 ms by default) is enforced cooperatively.</para>
/// <para>Throwing fails the call with the exception's message and leaves no write visible;
/// throwing <see cref="FarOperationArgumentException"/> reports a bad argument.</para>
/// </remarks>
public interface IFarOperation
{
    /// <summary>Name, version, and the structures and arguments the operation takes (the server checks every call against it before running it).</summary>
    FarOperationDescriptor Descriptor { get; }

    /// <summary>Runs one call: reads <paramref name="context"/>'s structures and arguments, writes its result and staged writes there.</summary>
    void Execute(FarCallContext context);
}
