using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// A last-in first-out stack (the far-memory twin of <see cref="Stack{T}"/>) on a
/// <see cref="RemVector{T}"/>: push and pop touch only the top object, so a deep stack keeps just
/// its top local while the rest goes far and comes back an object at a time as it unwinds.
/// </summary>
/// <remarks>
/// Elements per object: 0 picks the <see cref="RemVector{T}"/> default (4 KiB objects, capped at a
/// quarter segment), measured there: a push is an append, and a pop a read of the same object. An object emptied by <see cref="Pop"/> is discarded: never written back, and
/// reused from zeros by the next push. Not thread-safe, like <see cref="Stack{T}"/>.
/// </remarks>
public sealed class RemStack<T> : IDisposable
    where T : unmanaged
{
    private readonly RemVector<T> _items;

    internal RemStack(FarMemoryRuntime runtime, int elementsPerObject) => _items = new RemVector<T>(runtime, elementsPerObject, typeof(RemStack<T>));

    public long Count => _items.Count;

    public int ElementsPerObject => _items.ElementsPerObject;

    public void Push(T value, scoped in DerefScope scope) => _items.Add(value, in scope);

    /// <summary>Removes and returns the top element.</summary>
    public T Pop(scoped in DerefScope scope) =>
        TryPop(out T value, in scope) ? value : throw new InvalidOperationException("The stack is empty.");

    public bool TryPop(out T value, scoped in DerefScope scope)
    {
        _items.Store.ThrowIfDisposed();
        if (_items.Count == 0)
        {
            value = default;
            return false;
        }

        value = _items.RemoveLast(in scope);
        return true;
    }

    /// <summary>Reads the top element without removing it.</summary>
    public T Peek(scoped in DerefScope scope) =>
        _items.Count == 0 && !_items.Store.IsDisposed ? throw new InvalidOperationException("The stack is empty.") : _items.ReadLast(in scope);

    public void Clear() => _items.Clear();

    /// <summary>The elements top first, as <see cref="Stack{T}.ToArray"/> orders them.</summary>
    public T[] ToArray()
    {
        var all = new T[_items.Count];
        _items.CopyTo(all);
        Array.Reverse(all);
        return all;
    }

    /// <summary>
    /// Frees the stack's local objects, metadata and far objects. Allowed inside an open scope; a
    /// second call does nothing, and every later use throws <see cref="ObjectDisposedException"/>.
    /// Other threads must not use it concurrently (a racing reader gets its value or
    /// <see cref="ObjectDisposedException"/>, never freed memory).
    /// </summary>
    public void Dispose() => _items.Dispose();
}
