using System.Collections.Concurrent;
using FarMemory.Backends;
using FarMemory.Offload;

namespace FarMemory;

/// <summary>The client side of remote-agent calls: resolving operations, and keeping the local cache consistent with what they read and write.</summary>
/// <remarks>
/// <para><b>Consistency protocol.</b> Before a call, every dirty local object of every structure the
/// call names is written back without being evicted: it is claimed with the Evacuating bit (so the
/// evacuator and mutators keep off it), the global epoch is bumped and the scopes older than the
/// bump are waited for (a thread still writing through a raw ref from such a scope would otherwise
/// be missed, exactly as in the evacuator's barrier), its bytes are written to the server, and the
/// word is published present, clean and remote. After a call that wrote a structure, every object in
/// the range the server reports as touched is claimed the same way and dropped (absent and remote),
/// so the next dereference fetches what the call wrote. Objects a parked thread holds refs to are
/// never dropped: they keep Dirty after a write-back, and after a write they are refreshed in place
/// from the server. A mutator that meets a claimed object waits for that object alone.</para>
/// <para><b>Object subsets.</b> A structure argument may name the only objects the call touches
/// (<see cref="FarStructureArgument.Objects"/>: a hash table's candidate pairs). Then both steps
/// visit just those objects, never the structure's other words: the write-back claims the named
/// dirty ones, and after a write only the named objects inside the range the server reports are
/// dropped. So a one-pair call on a table of millions costs a few word reads on the client, and
/// with no named object dirty it skips the epoch barrier altogether.</para>
/// <para>Writes by other threads to a structure while a call on it runs race with the call, as
/// writes to a plain array racing with a bulk copy do: they may or may not be seen by the call, and
/// a local write made during a call that writes the same object is overwritten by the call's result.</para>
/// </remarks>
public sealed partial class FarMemoryRuntime
{
    private readonly SemaphoreSlim _operationsLock = new(1, 1);
    private volatile ConcurrentDictionary<(string Name, int Version), FarOperationInfo>? _operations;

    /// <summary>
    /// Runs operation (<paramref name="name"/>, <paramref name="version"/>) on the far-memory server
    /// next to the data of <paramref name="structures"/>, with <paramref name="arguments"/>.
    /// </summary>
    /// <remarks>
    /// Only operations the server's operator installed exist; the client sends a name and data,
    /// never code. Dirty local objects of the named structures are written back first, and local
    /// copies of what the call wrote are dropped after it, so local reads and the call agree.
    /// </remarks>
    /// <exception cref="FarOperationNotFoundException">The server has no such operation.</exception>
    /// <exception cref="FarOperationArgumentException">The structures or arguments do not match its declaration.</exception>
    /// <exception cref="FarOperationTimeoutException">It ran past its deadline.</exception>
    /// <exception cref="FarOperationException">It failed on the server; its message says why.</exception>
    public async Task<FarCallResult> CallAsync(
        string name,
        int version,
        IReadOnlyList<FarStructureArgument> structures,
        FarArguments? arguments = null,
        FarCallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(structures);
        arguments ??= FarArguments.None;
        ThrowIfDisposed();
        FarOperationInfo operation = await ResolveOperationAsync(name, version, cancellationToken).ConfigureAwait(false);
        FarStructureArgument[] args = [.. structures];
        Validate(operation, args, arguments);
        byte[] request = CallCodec.EncodeRequest(operation.Id, options?.Deadline, args, arguments);
        foreach (FarStructureArgument s in args)
        {
            await WriteBackForCallAsync(s.Structure, cancellationToken, s.Objects).ConfigureAwait(false);
        }

        byte[] answer;
        try
        {
            answer = await Backend.CallAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref _counters.OffloadCalls);
            Interlocked.Add(ref _counters.BytesToFar, request.Length);
        }

        Interlocked.Add(ref _counters.BytesFromFar, answer.Length);
        var written = new CallCodec.Written[args.Length];
        int start = CallCodec.ReadAnswer(answer, args.Length, written, out int writtenCount);
        for (int i = 0; i < writtenCount; i++)
        {
            CallCodec.Written w = written[i];
            FarStructureArgument s = args[w.Index];
            if (s.Access != FarAccess.Write)
            {
                throw new FarMemoryProtocolException(Protocol.FrameStatus.BadRequest, $"The server reports a write to argument {w.Index}, which the call only reads.");
            }

            s.ApplyLength(w.Length);
            await InvalidateAfterCallAsync(s.Structure, w.FirstObject, w.EndObject, cancellationToken, s.Objects).ConfigureAwait(false);
        }

        return new FarCallResult(answer, start, answer.Length);
    }

    /// <summary>
    /// <see cref="CallAsync"/> for synchronous code. Allowed inside a scope (the scope is parked
    /// while the call runs), but refs the scope holds into a structure the call writes see the
    /// refreshed bytes only after the call returns.
    /// </summary>
    public FarCallResult Call(
        string name,
        int version,
        IReadOnlyList<FarStructureArgument> structures,
        FarArguments? arguments = null,
        FarCallOptions? options = null) =>
        RunParked(() => CallAsync(name, version, structures, arguments, options));

    /// <summary>The operations the server runs, as it announced them (fetched once, then cached).</summary>
    public async ValueTask<IReadOnlyCollection<FarOperationInfo>> GetOperationsAsync(CancellationToken cancellationToken = default) =>
        (IReadOnlyCollection<FarOperationInfo>)(await LoadOperationsAsync(cancellationToken).ConfigureAwait(false)).Values;

    /// <summary>Whether the backend runs remote-agent operations at all (a far-memory server does; the in-process store does not).</summary>
    public async ValueTask<bool> SupportsOffloadAsync(CancellationToken cancellationToken = default) =>
        !(await LoadOperationsAsync(cancellationToken).ConfigureAwait(false)).IsEmpty;

    /// <summary>Looks an operation up by name and version; <see cref="FarOperationNotFoundException"/> if the server has none.</summary>
    public async ValueTask<FarOperationInfo> ResolveOperationAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        ConcurrentDictionary<(string, int), FarOperationInfo> operations = await LoadOperationsAsync(cancellationToken).ConfigureAwait(false);
        if (operations.TryGetValue((name, version), out FarOperationInfo? info))
        {
            return info;
        }

        string known = operations.IsEmpty
            ? "it runs no operations (offloading needs a far-memory server)"
            : "it has " + string.Join(", ", operations.Keys.OrderBy(k => k.Item1, StringComparer.Ordinal).Select(k => $"{k.Item1} v{k.Item2}"));
        throw new FarOperationNotFoundException($"The far-memory server has no operation '{name}' version {version}: {known}.");
    }

    private async ValueTask<ConcurrentDictionary<(string, int), FarOperationInfo>> LoadOperationsAsync(CancellationToken cancellationToken)
    {
        if (_operations is { } cached)
        {
            return cached;
        }

        await _operationsLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_operations is { } again)
            {
                return again;
            }

            IReadOnlyList<FarOperationInfo> list = await Backend.ListOperationsAsync(cancellationToken).ConfigureAwait(false);
            var map = new ConcurrentDictionary<(string, int), FarOperationInfo>();
            foreach (FarOperationInfo info in list)
            {
                map[(info.Name, info.Version)] = info;
            }

            _operations = map;
            return map;
        }
        finally
        {
            _operationsLock.Release();
        }
    }

    private void Validate(FarOperationInfo operation, FarStructureArgument[] structures, FarArguments arguments)
    {
        if (structures.Length != operation.Structures.Count)
        {
            throw new FarOperationArgumentException($"{operation} takes {operation.Structures.Count} structures, not {structures.Length}.");
        }

        for (int i = 0; i < structures.Length; i++)
        {
            FarStructureArgument s = structures[i];
            FarStructureParameter p = operation.Structures[i];
            if (s.Structure is null)
            {
                throw new FarOperationArgumentException($"Structure argument {i} of {operation.Name} is empty.");
            }

            if (s.Structure.Runtime != this)
            {
                throw new FarOperationArgumentException($"Structure argument {i} of {operation.Name} belongs to another FarMemoryRuntime.");
            }

            s.Structure.ThrowIfDisposed();
            if (s.Kind != p.Kind || (p.ElementType != FarElementType.Any && p.ElementType != s.ElementType))
            {
                throw new FarOperationArgumentException($"Structure argument {i} of {operation} must be a {p.Kind} of {p.ElementType}, not of {s.ElementType}.");
            }

            if (p.Access == FarAccess.Write && s.Access != FarAccess.Write)
            {
                throw new FarOperationArgumentException($"{operation} writes structure argument {i}: pass it with FarStructureArgument.Write.");
            }
        }

        IReadOnlyList<FarArgumentType> types = arguments.Types;
        if (!types.SequenceEqual(operation.Arguments))
        {
            throw new FarOperationArgumentException($"{operation} takes arguments ({string.Join(", ", operation.Arguments)}), not ({string.Join(", ", types)}).");
        }
    }

    /// <summary>Writes every dirty local object of <paramref name="structure"/> (of <paramref name="objects"/> only, when given) back, keeping it local (see the type's remarks).</summary>
    internal async ValueTask WriteBackForCallAsync(FarStructure structure, CancellationToken cancellationToken, long[]? objects = null)
    {
        if (!BeginStructureOperation(structure))
        {
            structure.ThrowIfDisposed();
            ThrowIfDisposed();
        }

        try
        {
            List<nint> claimed = objects == null
                ? ClaimObjects(structure, 0, structure.Table.Count, dirtyOnly: true)
                : ClaimObjects(structure, objects, 0, long.MaxValue, dirtyOnly: true);
            if (claimed.Count == 0)
            {
                return;
            }

            HashSet<nint> pinned = WaitForScopesHoldingRefs(claimed);
            Exception? failure = null;
            const int Batch = 64;
            var keys = new FarObjectKey[Batch];
            var sources = new ReadOnlyMemory<byte>[Batch];
            for (int start = 0; start < claimed.Count; start += Batch)
            {
                int n = Math.Min(Batch, claimed.Count - start);
                int bytes = FillWriteBatch(structure, claimed, start, n, keys, sources);
                try
                {
                    if (failure == null)
                    {
                        await Backend.WriteBatchAsync(keys.AsMemory(0, n), sources.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        Interlocked.Add(ref _counters.BytesToFar, bytes);
                        Interlocked.Add(ref _counters.WriteBacks, n);
                    }
                }
                catch (Exception e)
                {
                    failure = e;
                }

                PublishWrittenBack(claimed, start, n, pinned, ok: failure == null);
                Array.Clear(sources);
            }

            if (failure != null)
            {
                throw Unavailable("Writing local objects back before a remote-agent call failed; they stay local and dirty.", failure);
            }
        }
        finally
        {
            Interlocked.Decrement(ref structure.OperationsInFlight);
        }
    }

    /// <summary>Drops local copies of objects [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="structure"/> (of <paramref name="objects"/> among them, when given), which a call wrote on the server.</summary>
    internal async ValueTask InvalidateAfterCallAsync(FarStructure structure, long first, long end, CancellationToken cancellationToken, long[]? objects = null)
    {
        if (!BeginStructureOperation(structure))
        {
            return;
        }

        try
        {
            end = Math.Min(end, structure.Table.Count);
            if (first >= end)
            {
                return;
            }

            List<nint> claimed = objects == null
                ? ClaimObjects(structure, first, end, dirtyOnly: false)
                : ClaimObjects(structure, objects, first, end, dirtyOnly: false);
            if (claimed.Count == 0)
            {
                return;
            }

            HashSet<nint> pinned = WaitForScopesHoldingRefs(claimed);
            var refresh = new List<nint>();
            DropClaimed(claimed, pinned, refresh);
            foreach (nint word in refresh)
            {
                // Held by a parked thread: it cannot lose its ref, so the bytes under it are refreshed.
                (FarObjectKey key, Memory<byte> destination) = Target(word);
                Exception? failure = null;
                try
                {
                    await Backend.ReadAsync(key, destination, cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref _counters.BytesFromFar, destination.Length);
                }
                catch (Exception e)
                {
                    failure = e;
                }

                PublishRefreshed(word, failure == null);
                if (failure != null)
                {
                    throw Unavailable("Refreshing a local object a remote-agent call wrote failed.", failure);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref structure.OperationsInFlight);
        }
    }
}
