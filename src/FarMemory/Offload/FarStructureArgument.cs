using FarMemory.Collections;

namespace FarMemory.Offload;

/// <summary>
/// A collection passed to a remote-agent call: which structure, its layout, and whether the call
/// may write it. The server resolves it in the caller's session only.
/// </summary>
public readonly struct FarStructureArgument
{
    private readonly Action<long>? _setLength;

    private FarStructureArgument(FarStructure structure, FarElementType elementType, int elementsPerObject, long length, FarAccess access, bool fixedLength, Action<long>? setLength)
        : this(FarStructureKind.Vector, structure, elementType, elementsPerObject, length, access, fixedLength, setLength, null)
    {
    }

    private FarStructureArgument(FarStructureKind kind, FarStructure structure, FarElementType elementType, int elementsPerObject, long length, FarAccess access, bool fixedLength, Action<long>? setLength, long[]? objects)
    {
        Kind = kind;
        Objects = objects;
        Structure = structure;
        ElementType = elementType;
        ElementsPerObject = elementsPerObject;
        Length = length;
        Access = access;
        FixedLength = fixedLength;
        _setLength = setLength;
    }

    public FarStructureKind Kind { get; }

    public FarElementType ElementType { get; }

    public FarAccess Access { get; }

    /// <summary>Elements the collection holds when the call starts.</summary>
    public long Length { get; }

    public int ElementsPerObject { get; }

    internal FarStructure Structure { get; }

    internal bool FixedLength { get; }

    /// <summary>
    /// The only objects the call reads or writes, when the caller knows them (a hash table's
    /// candidate pairs): the consistency step then writes back and drops just these instead of
    /// scanning the structure. Null: any object of the structure.
    /// </summary>
    internal long[]? Objects { get; }

    /// <summary>A vector the call reads.</summary>
    public static FarStructureArgument Read<T>(RemVector<T> vector)
        where T : unmanaged => Of(vector, FarAccess.Read);

    /// <summary>A vector the call may write, shrink or grow (its new length comes back with the answer).</summary>
    public static FarStructureArgument Write<T>(RemVector<T> vector)
        where T : unmanaged => Of(vector, FarAccess.Write);

    /// <summary>An array the call reads.</summary>
    public static FarStructureArgument Read<T>(RemArray<T> array)
        where T : unmanaged => Of(array, FarAccess.Read);

    /// <summary>An array the call may write (its length is fixed).</summary>
    public static FarStructureArgument Write<T>(RemArray<T> array)
        where T : unmanaged => Of(array, FarAccess.Write);

    /// <summary>A hash table whose pairs the call reads (any of them: the whole table is made consistent first).</summary>
    public static FarStructureArgument Read<TKey, TValue>(RemHashTable<TKey, TValue> table)
        where TKey : unmanaged, IEquatable<TKey>
        where TValue : unmanaged => Of(table, FarAccess.Read, null);

    /// <summary>A hash table whose pairs the call may write in place (its index stays on the client, so no pair is added or removed).</summary>
    public static FarStructureArgument Write<TKey, TValue>(RemHashTable<TKey, TValue> table)
        where TKey : unmanaged, IEquatable<TKey>
        where TValue : unmanaged => Of(table, FarAccess.Write, null);

    /// <summary>A hash table's pair store, restricted to <paramref name="objects"/> when not null.</summary>
    internal static FarStructureArgument Of<TKey, TValue>(RemHashTable<TKey, TValue> table, FarAccess access, long[]? objects)
        where TKey : unmanaged, IEquatable<TKey>
        where TValue : unmanaged
    {
        ArgumentNullException.ThrowIfNull(table);
        FarStructure structure = table.Structure;
        structure.ThrowIfDisposed();
        FarPairLayout layout = RemHashTable<TKey, TValue>.Layout;
        if (!layout.IsValid)
        {
            throw new FarOperationArgumentException($"Pairs of {FarStructure.DisplayName(structure.Owner)} are {layout.PairBytes} bytes: over the {FarPairLayout.MaxBytes} a call can describe.");
        }

        return new(FarStructureKind.HashTable, structure, FarElementType.Byte, layout.PairBytes, layout.Pack(), access, fixedLength: true, null, objects);
    }

    internal static FarStructureArgument Of<T>(RemVector<T> vector, FarAccess access)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(vector);
        FarStructure structure = vector.Store.Structure;
        structure.ThrowIfDisposed();
        return new(structure, ElementTypeOf<T>(), vector.ElementsPerObject, vector.Count, access, fixedLength: false, vector.SetCountFromFar);
    }

    internal static FarStructureArgument Of<T>(RemArray<T> array, FarAccess access)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array);
        FarStructure structure = array.Structure;
        structure.ThrowIfDisposed();
        return new(structure, ElementTypeOf<T>(), array.ElementsPerObject, array.Length, access, fixedLength: true, null);
    }

    /// <summary>Applies the length the server reports after a call that wrote this structure.</summary>
    internal void ApplyLength(long length)
    {
        if (length == Length)
        {
            return;
        }

        if (_setLength == null)
        {
            throw new FarMemoryProtocolException(Protocol.FrameStatus.BadRequest, $"The server changed the length of a fixed-length {FarStructure.DisplayName(Structure.Owner)} to {length}.");
        }

        _setLength(length);
    }

    /// <summary>The wire element type of <typeparamref name="T"/>; other types cannot be read by the server's operations.</summary>
    public static FarElementType ElementTypeOf<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(int))
        {
            return FarElementType.Int32;
        }

        if (typeof(T) == typeof(long))
        {
            return FarElementType.Int64;
        }

        if (typeof(T) == typeof(float))
        {
            return FarElementType.Single;
        }

        if (typeof(T) == typeof(double))
        {
            return FarElementType.Double;
        }

        if (typeof(T) == typeof(byte))
        {
            return FarElementType.Byte;
        }

        throw new FarOperationArgumentException(
            $"Elements of type {typeof(T).Name} cannot be processed on the server: use int, long, float, double or byte " +
            "(timestamps as their Ticks in a long vector).");
    }
}
