using System.Buffers;
using System.Runtime.InteropServices;
using FarMemory.Offload;
using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// A hash table argument whose pairs the operation writes. Each written pair is staged whole
/// (copied from the store on first touch) and committed with the call's other writes only when the
/// operation returns; a call that fails leaves the store unchanged. Lookups see the store as
/// committed, not the call's own staged pairs.
/// </summary>
public sealed class FarPairWriter : IStagedWriter
{
    private readonly StoredStructure _structure;
    private readonly FarCallContext _context;
    private readonly Dictionary<long, byte[]> _staged = new();

    internal FarPairWriter(StoredStructure structure, int structureId, int index, long length, FarPairLayout layout, FarCallContext context)
    {
        _structure = structure;
        _context = context;
        StructureId = structureId;
        Index = index;
        Length = length;
        Layout = layout;
    }

    public FarPairLayout Layout { get; }

    /// <summary>The reference's length field (the packed layout), which a hash table call never changes.</summary>
    public long Length { get; }

    internal int StructureId { get; }

    internal int Index { get; }

    int IStagedWriter.Index => Index;

    long IStagedWriter.FirstTouched => FirstTouched;

    long IStagedWriter.EndTouched => EndTouched;

    bool IStagedWriter.Changed => _staged.Count != 0;

    internal long FirstTouched { get; private set; } = long.MaxValue;

    internal long EndTouched { get; private set; }

    /// <summary>Which of <paramref name="candidates"/> holds <paramref name="key"/> in the store (its index, or -1).</summary>
    public int Find(ReadOnlySpan<byte> key, ReadOnlySpan<long> candidates) =>
        FarPairReader.FindPair(_structure, _context, Layout, key, candidates, default);

    /// <summary>Overwrites the value of the pair in object <paramref name="objectId"/> (which must hold a pair).</summary>
    public void WriteValue(long objectId, ReadOnlySpan<byte> value)
    {
        CheckValue(value);
        Span<byte> pair = Stage(objectId, requireExisting: true);
        value.CopyTo(pair.Slice(Layout.ValueOffset, Layout.ValueBytes));
    }

    /// <summary>Writes a whole new pair (padding zeroed) to object <paramref name="objectId"/>, replacing what it held.</summary>
    public void WritePair(long objectId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.Length != Layout.KeyBytes)
        {
            throw new FarOperationArgumentException($"A key of this table is {Layout.KeyBytes} bytes, not {key.Length}.");
        }

        CheckValue(value);
        Span<byte> pair = Stage(objectId, requireExisting: false);
        pair.Clear();
        key.CopyTo(pair);
        value.CopyTo(pair.Slice(Layout.ValueOffset, Layout.ValueBytes));
    }

    void IStagedWriter.AddTo(List<WriteItem> items)
    {
        foreach (KeyValuePair<long, byte[]> entry in _staged)
        {
            items.Add(new WriteItem(StructureId, entry.Key, new ReadOnlySequence<byte>(entry.Value, 0, Layout.PairBytes)));
        }
    }

    void IStagedWriter.Release()
    {
        foreach (byte[] buffer in _staged.Values)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _staged.Clear();
    }

    private void CheckValue(ReadOnlySpan<byte> value)
    {
        if (value.Length != Layout.ValueBytes)
        {
            throw new FarOperationArgumentException($"A value of this table is {Layout.ValueBytes} bytes, not {value.Length}.");
        }
    }

    /// <summary>The staged bytes of a pair, copied from the store on first touch.</summary>
    private Span<byte> Stage(long objectId, bool requireExisting)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(objectId);
        ref byte[]? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_staged, objectId, out bool exists);
        if (!exists)
        {
            byte[]? buffer = null;
            try
            {
                _context.CheckNoChunkHeld();
                _context.ChargeStaged(Layout.PairBytes);
                buffer = ArrayPool<byte>.Shared.Rent(Layout.PairBytes);
                Span<byte> target = buffer.AsSpan(0, Layout.PairBytes);
                target.Clear();
                lock (_structure.SyncRoot)
                {
                    if (_structure.TryGet(objectId, out ReadOnlySpan<byte> stored))
                    {
                        if (stored.Length != Layout.PairBytes)
                        {
                            throw new FarOperationArgumentException($"Object {objectId} is {stored.Length} bytes, not a pair of {Layout.PairBytes}.");
                        }

                        stored.CopyTo(target);
                    }
                    else if (requireExisting)
                    {
                        throw new FarOperationArgumentException($"Object {objectId} holds no pair.");
                    }
                }
            }
            catch
            {
                _staged.Remove(objectId);
                if (buffer != null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                throw;
            }

            slot = buffer;
            FirstTouched = Math.Min(FirstTouched, objectId);
            EndTouched = Math.Max(EndTouched, objectId + 1);
        }

        return slot.AsSpan(0, Layout.PairBytes);
    }
}
