using System.Runtime.CompilerServices;

namespace FarMemory.Paging.Policies;

/// <summary>
/// Per-frame state shared by a replacement policy and whoever moves the data (a
/// <see cref="PagedMemory"/> or the trace simulator): the page a frame holds, its emulated protection,
/// and its use and modified bits. Policies change protections only through this class, so the rules
/// of <see cref="Emulation"/> live in one place.
/// </summary>
/// <remarks>
/// How a policy learns of a reference: an access the protection allows is a "hardware" hit and
/// only stores the bits that are not emulated; an access it does not allow is a trap, after which
/// <see cref="Touch"/> sets the bits and the policy's <see cref="IReplacementPolicy.OnTrap"/> runs.
/// A policy that must see more references (exact LRU, the second-chance list, the free list)
/// invalidates the page so that the next access traps again. Not thread-safe: the owner serialises.
/// </remarks>
public sealed class FrameTable
{
    private const byte AccessMask = 0b11;
    private const byte UsedBit = 0b100;
    private const byte DirtyBit = 0b1000;
    private const byte WriteBackRequestedBit = 0b1_0000;

    private readonly byte[] _flags;
    private readonly long[] _pages;
    private readonly List<int> _writeBackRequests = new();

    public FrameTable(int capacity, BitEmulation emulation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        if (emulation is < BitEmulation.None or > BitEmulation.UseAndModified)
        {
            throw new ArgumentOutOfRangeException(nameof(emulation), emulation, "Unknown bit emulation.");
        }

        Capacity = capacity;
        Emulation = emulation;
        _flags = new byte[capacity];
        _pages = new long[capacity];
        _pages.AsSpan().Fill(-1);
    }

    /// <summary>Frame ids run from 0 to Capacity - 1; policies size their per-frame state by it.</summary>
    public int Capacity { get; }

    public BitEmulation Emulation { get; }

    /// <summary>Whether a use bit costs a trap (clearing it invalidates the page).</summary>
    public bool EmulatesUse => Emulation == BitEmulation.UseAndModified;

    /// <summary>Whether a modified bit costs a trap (clean pages are mapped read-only).</summary>
    public bool EmulatesModified => Emulation != BitEmulation.None;

    /// <summary>The page a frame holds, or -1 when it holds none.</summary>
    public long PageOf(int frame) => _pages[frame];

    public PageAccess AccessOf(int frame) => (PageAccess)(_flags[frame] & AccessMask);

    public bool IsUsed(int frame) => (_flags[frame] & UsedBit) != 0;

    public bool IsDirty(int frame) => (_flags[frame] & DirtyBit) != 0;

    /// <summary>Frames whose write-back a policy asked to start, not yet taken by the owner.</summary>
    public int PendingWriteBacks => _writeBackRequests.Count;

    /// <summary>
    /// Clears the use bit as a clock hand passes. With an emulated use bit the page also becomes
    /// invalid, because otherwise the next use would go unnoticed.
    /// </summary>
    public void ClearUse(int frame)
    {
        _flags[frame] &= unchecked((byte)~UsedBit);
        if (EmulatesUse)
        {
            SetAccess(frame, PageAccess.None);
        }
    }

    /// <summary>Makes the next access to the page trap, whatever the emulation.</summary>
    public void Invalidate(int frame) => SetAccess(frame, PageAccess.None);

    /// <summary>
    /// Grants the most the emulation allows: read-write, except that a clean page stays read-only
    /// when the modified bit is emulated, so its first write is seen.
    /// </summary>
    public void Map(int frame) =>
        SetAccess(frame, EmulatesModified && !IsDirty(frame) ? PageAccess.Read : PageAccess.ReadWrite);

    /// <summary>
    /// Asks the owner to start writing the page back now (it stays resident). The Nth-chance clock
    /// and the free list use this so that a dirty page is clean by the time it is reused.
    /// </summary>
    public void RequestWriteBack(int frame)
    {
        if (IsDirty(frame) && (_flags[frame] & WriteBackRequestedBit) == 0)
        {
            _flags[frame] |= WriteBackRequestedBit;
            _writeBackRequests.Add(frame);
        }
    }

    /// <summary>An access the protection allowed: store the bits that are not emulated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Hit(int frame, bool write)
    {
        byte f = _flags[frame];
        byte next = (byte)(f | (EmulatesUse ? 0 : UsedBit) | (write && !EmulatesModified ? DirtyBit : 0));
        if (next != f)
        {
            _flags[frame] = next;
        }
    }

    /// <summary>A trap: the software sets the bits the hardware would have, then maps the page.</summary>
    internal void Touch(int frame, bool write)
    {
        _flags[frame] |= (byte)(UsedBit | (write ? DirtyBit : 0));
        Map(frame);
    }

    /// <summary>
    /// A page was just read into <paramref name="frame"/>. A page brought in by read-around was not
    /// referenced yet, so it starts unused (and invalid when the use bit is emulated).
    /// </summary>
    internal void Load(int frame, long page, bool referenced, bool write)
    {
        _pages[frame] = page;
        _flags[frame] = (byte)((referenced ? UsedBit : 0) | (write ? DirtyBit : 0));
        if (referenced || !EmulatesUse)
        {
            Map(frame);
        }
    }

    /// <summary>The page was written back: clean, and read-only again if the modified bit is emulated.</summary>
    internal void MarkClean(int frame)
    {
        _flags[frame] &= unchecked((byte)~(DirtyBit | WriteBackRequestedBit));
        if (EmulatesModified && AccessOf(frame) == PageAccess.ReadWrite)
        {
            SetAccess(frame, PageAccess.Read);
        }
    }

    /// <summary>The frame no longer holds a page.</summary>
    internal void Release(int frame)
    {
        _pages[frame] = -1;
        _flags[frame] = 0;
    }

    /// <summary>Moves the write-back requests into <paramref name="into"/>, dropping ones already served.</summary>
    internal void TakeWriteBackRequests(List<int> into)
    {
        foreach (int frame in _writeBackRequests)
        {
            if ((_flags[frame] & WriteBackRequestedBit) != 0)
            {
                _flags[frame] &= unchecked((byte)~WriteBackRequestedBit);
                if (IsDirty(frame) && _pages[frame] >= 0)
                {
                    into.Add(frame);
                }
            }
        }

        _writeBackRequests.Clear();
    }

    private void SetAccess(int frame, PageAccess access) =>
        _flags[frame] = (byte)((_flags[frame] & ~AccessMask) | (byte)access);
}
