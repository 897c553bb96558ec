using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// A doubly linked list (the far-memory twin of <see cref="LinkedList{T}"/>) of chunked nodes: each
/// node is one far object holding up to <see cref="ElementsPerObject"/> consecutive elements, as in
/// AIFM, so a scan costs one dereference per node rather than per element, and a scan in either
/// direction prefetches the nodes ahead of it.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> The links live locally, next to the metadata words: per node a previous and
/// next node id, the first used slot and the element count (16 bytes per node on the managed heap).
/// Walking the list therefore never dereferences a node just to find its neighbour, which is what
/// lets iteration prefetch ahead. A node keeps its elements contiguous in slots
/// [first, first + count) and grows towards whichever end has room: a node made by
/// <see cref="AddFirst"/> fills from its end, one made by <see cref="AddLast"/> from its start, so
/// neither moves elements. Inserting into a full node splits it in two; a node emptied by removals
/// is unlinked and its object discarded (never written back) and reused.</para>
/// <para><b>Positions.</b> A <see cref="Position"/> names an element (node and offset) or the end.
/// Moving it (<see cref="Next"/>, <see cref="Previous"/>) reads only local links. Any insertion or
/// removal invalidates every position except the one it returns, like an index into a
/// <see cref="List{T}"/>.</para>
/// <para>Elements per node: 0 picks the <see cref="RemVector{T}"/> default (4 KiB objects, capped at
/// a quarter segment): scans amortize a miss over a whole node, and a middle insertion moves at
/// most half a node. Not thread-safe, like <see cref="LinkedList{T}"/>.</para>
/// </remarks>
public sealed unsafe partial class RemList<T> : IDisposable
    where T : unmanaged
{
    /// <summary>Nodes a scan keeps in flight ahead of itself.</summary>
    private const int PrefetchDepth = 2;

    private readonly GrowableObjectStore _store;
    private readonly int _perNode;
    private readonly Stack<int> _freeNodes = new();
    private int[] _prev = new int[16];
    private int[] _next = new int[16];
    private int[] _first = new int[16];
    private int[] _used = new int[16];
    private int _nodes;
    private int _head = -1;
    private int _tail = -1;
    private long _count;

    internal RemList(FarMemoryRuntime runtime, int elementsPerObject)
    {
        _perNode = GrowableObjectStore.ElementsPerObject(runtime, elementsPerObject, sizeof(T));
        _store = new GrowableObjectStore(runtime, checked(_perNode * sizeof(T)), typeof(RemList<T>));
    }

    public long Count => _count;

    /// <summary>Elements one node holds at most.</summary>
    public int ElementsPerObject => _perNode;

    /// <summary>Nodes in use.</summary>
    public int NodeCount => _nodes - _freeNodes.Count;

    public FarMemoryRuntime Runtime => _store.Runtime;

    /// <summary>The first element's position (<see cref="Position.IsEnd"/> when empty).</summary>
    public Position First => _head < 0 ? Position.End : new Position(_head, 0);

    /// <summary>The last element's position (<see cref="Position.IsEnd"/> when empty).</summary>
    public Position Last => _tail < 0 ? Position.End : new Position(_tail, _used[_tail] - 1);

    /// <summary>The element after <paramref name="position"/>, or the end. Reads only local links.</summary>
    public Position Next(Position position)
    {
        CheckElement(position);
        if (position.Offset + 1 < _used[position.Node])
        {
            return new Position(position.Node, position.Offset + 1);
        }

        int next = _next[position.Node];
        return next < 0 ? Position.End : new Position(next, 0);
    }

    /// <summary>The element before <paramref name="position"/> (the last one for the end), or the end before the first.</summary>
    public Position Previous(Position position)
    {
        if (position.IsEnd)
        {
            return Last;
        }

        CheckElement(position);
        if (position.Offset > 0)
        {
            return new Position(position.Node, position.Offset - 1);
        }

        int prev = _prev[position.Node];
        return prev < 0 ? Position.End : new Position(prev, _used[prev] - 1);
    }

    public T Read(Position position, scoped in DerefScope scope)
    {
        CheckElement(position);
        return Data(position.Node, write: false, in scope)[_first[position.Node] + position.Offset];
    }

    public void Write(Position position, T value, scoped in DerefScope scope)
    {
        CheckElement(position);
        Data(position.Node, write: true, in scope)[_first[position.Node] + position.Offset] = value;
    }

    public void AddFirst(T value, scoped in DerefScope scope)
    {
        _store.ThrowIfDisposed();
        if (_head >= 0 && _first[_head] > 0)
        {
            T* data = Data(_head, write: true, in scope);
            data[--_first[_head]] = value;
            _used[_head]++;
        }
        else
        {
            int node = NewNode(before: _head, after: -1, firstSlot: _perNode - 1);
            Data(node, write: true, in scope)[_perNode - 1] = value;
            _used[node] = 1;
        }

        _count++;
    }

    public void AddLast(T value, scoped in DerefScope scope)
    {
        _store.ThrowIfDisposed();
        if (_tail >= 0 && _first[_tail] + _used[_tail] < _perNode)
        {
            Data(_tail, write: true, in scope)[_first[_tail] + _used[_tail]] = value;
            _used[_tail]++;
        }
        else
        {
            int node = NewNode(before: -1, after: _tail, firstSlot: 0);
            Data(node, write: true, in scope)[0] = value;
            _used[node] = 1;
        }

        _count++;
    }

    public T RemoveFirst(scoped in DerefScope scope)
    {
        ThrowIfEmpty();
        Position first = First;
        T value = Read(first, in scope);
        RemoveAt(first, in scope);
        return value;
    }

    public T RemoveLast(scoped in DerefScope scope)
    {
        ThrowIfEmpty();
        Position last = Last;
        T value = Read(last, in scope);
        RemoveAt(last, in scope);
        return value;
    }

    /// <summary>
    /// Inserts <paramref name="value"/> before <paramref name="position"/> (at the end for
    /// <see cref="Position.End"/>) and returns the new element's position.
    /// </summary>
    public Position InsertBefore(Position position, T value, scoped in DerefScope scope)
    {
        if (position.IsEnd)
        {
            AddLast(value, in scope);
            return Last;
        }

        CheckElement(position);
        if (position.Node == _head && position.Offset == 0)
        {
            AddFirst(value, in scope);
            return First;
        }

        int node = position.Node;
        int offset = position.Offset;
        if (_used[node] == _perNode)
        {
            if (offset == 0)
            {
                // Append to the previous node instead (it is not full only if it has room at its end).
                int prev = _prev[node];
                if (_first[prev] + _used[prev] < _perNode)
                {
                    Data(prev, write: true, in scope)[_first[prev] + _used[prev]] = value;
                    _count++;
                    return new Position(prev, _used[prev]++);
                }

                int fresh = NewNode(before: node, after: -1, firstSlot: 0);
                Data(fresh, write: true, in scope)[0] = value;
                _used[fresh] = 1;
                _count++;
                return new Position(fresh, 0);
            }

            Split(node, in scope);
            if (offset > _used[node])
            {
                offset -= _used[node];
                node = _next[node];
            }
        }

        T* data = Data(node, write: true, in scope);
        int first = _first[node];
        int used = _used[node];
        if (first + used < _perNode && (first == 0 || offset >= used / 2))
        {
            // Shift the tail of the node one slot right.
            new Span<T>(data + first + offset, used - offset).CopyTo(new Span<T>(data + first + offset + 1, used - offset));
        }
        else
        {
            // Shift the head of the node one slot left.
            new Span<T>(data + first, offset).CopyTo(new Span<T>(data + first - 1, offset));
            _first[node] = --first;
        }

        data[first + offset] = value;
        _used[node] = used + 1;
        _count++;
        return new Position(node, offset);
    }

    /// <summary>Removes the element at <paramref name="position"/>; returns the position of the one after it (or the end).</summary>
    public Position RemoveAt(Position position, scoped in DerefScope scope)
    {
        CheckElement(position);
        int node = position.Node;
        int offset = position.Offset;
        int used = _used[node];
        _count--;
        if (used == 1)
        {
            int next = _next[node];
            FreeNode(node);
            return next < 0 ? Position.End : new Position(next, 0);
        }

        T* data = Data(node, write: true, in scope);
        int first = _first[node];
        if (offset < used / 2)
        {
            new Span<T>(data + first, offset).CopyTo(new Span<T>(data + first + 1, offset));
            _first[node] = first + 1;
        }
        else
        {
            new Span<T>(data + first + offset + 1, used - offset - 1).CopyTo(new Span<T>(data + first + offset, used - offset - 1));
        }

        _used[node] = used - 1;
        if (offset < used - 1)
        {
            return new Position(node, offset);
        }

        int after = _next[node];
        return after < 0 ? Position.End : new Position(after, 0);
    }

    /// <summary>Removes every element; node objects are discarded and their words kept for reuse.</summary>
    public void Clear()
    {
        for (int node = _head; node >= 0;)
        {
            int next = _next[node];
            FreeNode(node);
            node = next;
        }

        _count = 0;
    }

    /// <summary>A forward scan, one node at a time, prefetching the nodes ahead.</summary>
    public Enumerator GetEnumerator() => new(this, backward: false);

    /// <summary>A backward scan (last to first), prefetching the nodes behind.</summary>
    public BackwardScan Backward() => new(this);

    /// <summary>
    /// Frees the list's local objects, metadata and far objects. Allowed inside an open scope; a
    /// second call does nothing, and every later use throws <see cref="ObjectDisposedException"/>.
    /// Other threads must not use it concurrently (a racing reader gets its value or
    /// <see cref="ObjectDisposedException"/>, never freed memory).
    /// </summary>
    public void Dispose()
    {
        _head = -1;
        _tail = -1;
        _count = 0;
        _store.Dispose();
    }

    /// <summary>A node's slots, valid until the next dereference (which may miss and let it move).</summary>
    private T* Data(int node, bool write, scoped in DerefScope scope) => (T*)_store.Resolve(node, write, in scope);

    /// <summary>Moves the upper half of full node <paramref name="node"/> into a new node after it.</summary>
    private void Split(int node, scoped in DerefScope scope)
    {
        int keep = _perNode / 2;
        int move = _used[node] - keep;
        int fresh = NewNode(before: -1, after: node, firstSlot: 0);

        // Two nodes at once: pin the source so a miss on the target cannot move it away.
        T* source = (T*)_store.Pinned(node, write: true, in scope, out bool pushed);
        T* target = Data(fresh, write: true, in scope);
        new Span<T>(source + _first[node] + keep, move).CopyTo(new Span<T>(target, move));
        if (pushed)
        {
            scope.Unpin(_store.WordOf(node));
        }

        _used[node] = keep;
        _used[fresh] = move;
    }

    /// <summary>Links a new empty node before <paramref name="before"/> or after <paramref name="after"/> (-1: at that end).</summary>
    private int NewNode(int before, int after, int firstSlot)
    {
        int node;
        if (_freeNodes.Count > 0)
        {
            node = _freeNodes.Pop();
        }
        else
        {
            node = _nodes;
            _store.EnsureCapacity(node + 1);
            if (node == _prev.Length)
            {
                int size = node * 2;
                Array.Resize(ref _prev, size);
                Array.Resize(ref _next, size);
                Array.Resize(ref _first, size);
                Array.Resize(ref _used, size);
            }

            _nodes++;
        }

        if (before >= 0 || (before < 0 && after < 0 && _tail < 0))
        {
            int prev = before >= 0 ? _prev[before] : -1;
            _prev[node] = prev;
            _next[node] = before;
            if (before >= 0)
            {
                _prev[before] = node;
            }
            else
            {
                _tail = node;
            }

            if (prev >= 0)
            {
                _next[prev] = node;
            }
            else
            {
                _head = node;
            }
        }
        else
        {
            int next = _next[after];
            _prev[node] = after;
            _next[node] = next;
            _next[after] = node;
            if (next >= 0)
            {
                _prev[next] = node;
            }
            else
            {
                _tail = node;
            }
        }

        _first[node] = firstSlot;
        _used[node] = 0;
        return node;
    }

    private void FreeNode(int node)
    {
        int prev = _prev[node];
        int next = _next[node];
        if (prev >= 0)
        {
            _next[prev] = next;
        }
        else
        {
            _head = next;
        }

        if (next >= 0)
        {
            _prev[next] = prev;
        }
        else
        {
            _tail = prev;
        }

        _used[node] = 0;
        _store.Discard(node);
        _freeNodes.Push(node);
    }

    private void CheckElement(Position position)
    {
        _store.ThrowIfDisposed();
        if (position.IsEnd || (uint)position.Node >= (uint)_nodes || (uint)position.Offset >= (uint)_used[position.Node])
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, "The position names no element of this list (the end, or invalidated by a change).");
        }
    }

    private void ThrowIfEmpty()
    {
        _store.ThrowIfDisposed();
        if (_count == 0)
        {
            throw new InvalidOperationException("The list is empty.");
        }
    }
}
