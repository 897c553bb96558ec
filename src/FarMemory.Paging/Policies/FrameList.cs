namespace FarMemory.Paging.Policies;

/// <summary>
/// An intrusive doubly linked list of frame ids kept in two int arrays, so that moving a frame to
/// the front, the back or out of the list costs O(1) and allocates nothing. A frame is in at most
/// one position of one list instance.
/// </summary>
internal sealed class FrameList
{
    private readonly int[] _next;
    private readonly int[] _prev;
    private readonly bool[] _member;

    public FrameList(int capacity)
    {
        _next = new int[capacity];
        _prev = new int[capacity];
        _member = new bool[capacity];
        First = -1;
        Last = -1;
    }

    public int First { get; private set; }

    public int Last { get; private set; }

    public int Count { get; private set; }

    public bool Contains(int frame) => _member[frame];

    /// <summary>The frame after <paramref name="frame"/>, or -1 at the end.</summary>
    public int Next(int frame) => _next[frame];

    /// <summary>The frame after <paramref name="frame"/>, wrapping from the end to the start (a clock ring).</summary>
    public int NextInRing(int frame) => _next[frame] >= 0 ? _next[frame] : First;

    public void AddFirst(int frame)
    {
        Claim(frame);
        _prev[frame] = -1;
        _next[frame] = First;
        if (First >= 0)
        {
            _prev[First] = frame;
        }
        else
        {
            Last = frame;
        }

        First = frame;
    }

    public void AddLast(int frame)
    {
        Claim(frame);
        _next[frame] = -1;
        _prev[frame] = Last;
        if (Last >= 0)
        {
            _next[Last] = frame;
        }
        else
        {
            First = frame;
        }

        Last = frame;
    }

    /// <summary>Inserts <paramref name="frame"/> just before <paramref name="position"/>, a member.</summary>
    public void AddBefore(int position, int frame)
    {
        if (position == First)
        {
            AddFirst(frame);
            return;
        }

        Claim(frame);
        int before = _prev[position];
        _prev[frame] = before;
        _next[frame] = position;
        _next[before] = frame;
        _prev[position] = frame;
    }

    public void Remove(int frame)
    {
        if (!_member[frame])
        {
            throw new InvalidOperationException($"Frame {frame} is not in the list.");
        }

        int p = _prev[frame];
        int n = _next[frame];
        if (p >= 0)
        {
            _next[p] = n;
        }
        else
        {
            First = n;
        }

        if (n >= 0)
        {
            _prev[n] = p;
        }
        else
        {
            Last = p;
        }

        _member[frame] = false;
        Count--;
    }

    public int RemoveFirst()
    {
        EnsureNotEmpty();
        int frame = First;
        Remove(frame);
        return frame;
    }

    public int RemoveLast()
    {
        EnsureNotEmpty();
        int frame = Last;
        Remove(frame);
        return frame;
    }

    private void EnsureNotEmpty()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The policy holds no frame to evict.");
        }
    }

    private void Claim(int frame)
    {
        if (_member[frame])
        {
            throw new InvalidOperationException($"Frame {frame} is already in the list.");
        }

        _member[frame] = true;
        Count++;
    }
}
