using System.Buffers.Binary;
using System.Text;
using FarMemory.Offload;
using FarMemory.Protocol;
using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// What one call of an operation sees: the caller's structures (resolved in the caller's session
/// only), its data arguments, the deadline, and where the result goes.
/// </summary>
public sealed class FarCallContext
{
    private readonly CallRequest _request;
    private readonly StoredStructure[] _structures;
    private readonly object?[] _views;
    private readonly long _deadline;
    private readonly long _stagedCap;
    private CancellationTokenSource? _cancellation;
    private long _staged;
    private object? _heldLock;
    private int _heldCount;

    internal FarCallContext(CallRequest request, StoredStructure[] structures, long deadlineTicks, int resultCap, long stagedCap)
    {
        _request = request;
        _structures = structures;
        _views = new object?[request.StructureCount];
        _deadline = deadlineTicks;
        _stagedCap = stagedCap;
        Result = new FarResultWriter(resultCap);
    }

    /// <summary>Cancelled at the deadline; pass it to anything that waits, and check it in loops.</summary>
    public CancellationToken CancellationToken
    {
        get
        {
            if (_cancellation == null)
            {
                long left = Math.Max(0, _deadline - Environment.TickCount64);
                _cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(left));
            }

            return _cancellation.Token;
        }
    }

    /// <summary>Whether the deadline has passed (a cheap clock read).</summary>
    public bool IsPastDeadline => Environment.TickCount64 >= _deadline;

    /// <summary>Throws <see cref="OperationCanceledException"/> once the deadline has passed; call it every few thousand elements.</summary>
    public void ThrowIfCancellationRequested()
    {
        if (IsPastDeadline)
        {
            throw new OperationCanceledException("The call ran past its deadline.");
        }
    }

    public int StructureCount => _request.StructureCount;

    /// <summary>The caller's description of structure argument <paramref name="index"/>.</summary>
    public FarStructureInfo Structure(int index)
    {
        CheckStructure(index);
        return _request.Infos[index];
    }

    /// <summary>Structure argument <paramref name="index"/> as a vector of <typeparamref name="T"/>, read in place.</summary>
    public FarVectorReader<T> Read<T>(int index)
        where T : unmanaged
    {
        FarStructureInfo info = Vector(index);
        CheckType<T>(index, info.ElementType);
        if (_views[index] is FarVectorReader<T> cached)
        {
            return cached;
        }

        var reader = new FarVectorReader<T>(_structures[index], info, this);
        _views[index] ??= reader;
        return reader;
    }

    /// <summary>Structure argument <paramref name="index"/> as a vector the call writes (it must be declared <see cref="FarAccess.Write"/>).</summary>
    public FarVectorWriter<T> Write<T>(int index)
        where T : unmanaged
    {
        FarStructureInfo info = Vector(index);
        CheckType<T>(index, info.ElementType);
        if (info.Access != FarAccess.Write)
        {
            throw new FarOperationArgumentException($"Structure argument {index} is passed for reading only.");
        }

        foreach (IStagedWriter writer in Writers)
        {
            if (writer is FarVectorWriter<T> w && w.Index == index)
            {
                return w;
            }
        }

        var created = new FarVectorWriter<T>(_structures[index], _request.StructureIds[index], index, info, this);
        Writers.Add(created);
        return created;
    }

    /// <summary>Structure argument <paramref name="index"/> as a hash table's pairs, read in place.</summary>
    public FarPairReader ReadPairs(int index)
    {
        FarPairLayout layout = PairsOf(index);
        if (_views[index] is FarPairReader cached)
        {
            return cached;
        }

        var reader = new FarPairReader(_structures[index], layout, this);
        _views[index] ??= reader;
        return reader;
    }

    /// <summary>Structure argument <paramref name="index"/> as a hash table's pairs the call writes (it must be declared <see cref="FarAccess.Write"/>).</summary>
    public FarPairWriter WritePairs(int index)
    {
        FarPairLayout layout = PairsOf(index);
        FarStructureInfo info = _request.Infos[index];
        if (info.Access != FarAccess.Write)
        {
            throw new FarOperationArgumentException($"Structure argument {index} is passed for reading only.");
        }

        foreach (IStagedWriter writer in Writers)
        {
            if (writer is FarPairWriter w && w.Index == index)
            {
                return w;
            }
        }

        var created = new FarPairWriter(_structures[index], _request.StructureIds[index], index, info.Length, layout, this);
        Writers.Add(created);
        return created;
    }

    public int ArgumentCount => _request.ArgumentCount;

    public long GetInt64(int index) => BinaryPrimitives.ReadInt64LittleEndian(Argument(index, FarArgumentType.Int64));

    public double GetDouble(int index) => BinaryPrimitives.ReadDoubleLittleEndian(Argument(index, FarArgumentType.Double));

    public string GetString(int index) => Encoding.UTF8.GetString(Argument(index, FarArgumentType.String));

    public ReadOnlySpan<byte> GetBytes(int index) => Argument(index, FarArgumentType.Bytes);

    /// <summary>Where the call's answer goes.</summary>
    public FarResultWriter Result { get; }

    /// <summary>The writers handed out, in order.</summary>
    internal List<IStagedWriter> Writers { get; } = new();

    internal IReadOnlyList<StoredStructure> Structures => _structures;

    /// <summary>
    /// Takes a structure's lock for a chunk. One structure at a time: an operation that holds a
    /// chunk of one structure and asks for another (or writes meanwhile) could deadlock against
    /// the server's ordered locking, so that is refused.
    /// </summary>
    internal void EnterLock(object structureLock)
    {
        if (_heldLock != null && _heldLock != structureLock)
        {
            throw new InvalidOperationException("An operation holds chunks of one structure at a time: dispose the chunk it holds before reading another structure or writing.");
        }

        Monitor.Enter(structureLock);
        _heldLock = structureLock;
        _heldCount++;
    }

    internal void ExitLock(object structureLock)
    {
        Monitor.Exit(structureLock);
        if (--_heldCount == 0)
        {
            _heldLock = null;
        }
    }

    /// <summary>Throws if a chunk is held: writers take the store's locks themselves.</summary>
    internal void CheckNoChunkHeld()
    {
        if (_heldLock != null)
        {
            throw new InvalidOperationException("An operation cannot write while it holds a chunk: dispose the chunk first.");
        }
    }

    /// <summary>Counts bytes staged for commit against the server's cap on one call's writes.</summary>
    internal void ChargeStaged(long bytes)
    {
        _staged += bytes;
        if (_staged > _stagedCap)
        {
            throw new CallLimitException(FrameStatus.ResultTooLarge, $"the call's writes would stage over {_stagedCap} bytes (the server's --max-call-write)");
        }
    }

    internal void Release()
    {
        _cancellation?.Dispose();
        Result.Release();
    }

    private ReadOnlySpan<byte> Argument(int index, FarArgumentType type)
    {
        if ((uint)index >= (uint)_request.ArgumentCount)
        {
            throw new FarOperationArgumentException($"The call has {_request.ArgumentCount} arguments; there is no argument {index}.");
        }

        if (_request.ArgumentTypes[index] != type)
        {
            throw new FarOperationArgumentException($"Argument {index} is {_request.ArgumentTypes[index]}, not {type}.");
        }

        return _request.Argument(index);
    }

    private FarStructureInfo Vector(int index)
    {
        FarStructureInfo info = Structure(index);
        if (info.Pairs != null)
        {
            throw new FarOperationArgumentException($"Structure argument {index} is a hash table, not a vector.");
        }

        return info;
    }

    private FarPairLayout PairsOf(int index) =>
        Structure(index).Pairs ?? throw new FarOperationArgumentException($"Structure argument {index} is a vector, not a hash table.");

    private void CheckStructure(int index)
    {
        if ((uint)index >= (uint)_request.StructureCount)
        {
            throw new FarOperationArgumentException($"The call names {_request.StructureCount} structures; there is no structure {index}.");
        }
    }

    private static void CheckType<T>(int index, FarElementType type)
        where T : unmanaged
    {
        bool ok = type switch
        {
            FarElementType.Int32 => typeof(T) == typeof(int),
            FarElementType.Int64 => typeof(T) == typeof(long),
            FarElementType.Single => typeof(T) == typeof(float),
            FarElementType.Double => typeof(T) == typeof(double),
            FarElementType.Byte => typeof(T) == typeof(byte),
            _ => false,
        };
        if (!ok)
        {
            throw new FarOperationArgumentException($"Structure argument {index} holds {type} elements, not {typeof(T).Name}.");
        }
    }
}
