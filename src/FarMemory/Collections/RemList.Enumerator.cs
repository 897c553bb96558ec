using System.Runtime.CompilerServices;

namespace FarMemory.Collections;

public sealed unsafe partial class RemList<T>
{
    /// <summary>
    /// Scans node by node: one dereference per node, then a pointer walk through its elements. It
    /// holds its own scope for one node at a time, and prefetches the next nodes from the local
    /// links, so a scan over a far list overlaps its fetches.
    /// </summary>
    public ref struct Enumerator
    {
        private readonly RemList<T> _list;
        private readonly bool _backward;
        private ref T _cursor;
        private ref T _limit;
        private ScanWindow? _window;
        private int _nextNode;

        internal Enumerator(RemList<T> list, bool backward)
        {
            _list = list;
            _backward = backward;
            _cursor = ref Unsafe.NullRef<T>();
            _limit = ref Unsafe.NullRef<T>();
            _window = null;
            _nextNode = backward ? list._tail : list._head;
        }

        public readonly ref readonly T Current => ref _cursor;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool MoveNext()
        {
            if (_backward)
            {
                // Backward, _limit is the node's first element: step down until the cursor reaches it.
                if (Unsafe.IsAddressGreaterThan(ref _cursor, ref _limit))
                {
                    _cursor = ref Unsafe.Subtract(ref _cursor, 1);
                    return true;
                }

                return NextNode();
            }

            _cursor = ref Unsafe.Add(ref _cursor, 1);
            return Unsafe.IsAddressLessThan(ref _cursor, ref _limit) || NextNode();
        }

        private bool NextNode()
        {
            Release();
            if (_nextNode < 0)
            {
                return false;
            }

            RemList<T> list = _list;
            int node = _nextNode;
            int[] links = _backward ? list._prev : list._next;
            _nextNode = links[node];
            for (int ahead = _nextNode, k = 0; ahead >= 0 && k < PrefetchDepth; ahead = links[ahead], k++)
            {
                list._store.Prefetch(ahead);
            }

            _window ??= ScanWindow.Rent(list._store.Structure, 0, 0, nonTemporal: false);
            T* data = (T*)_window.Open(list._store.WordOf(node), nonTemporal: false) + list._first[node];
            if (_backward)
            {
                _cursor = ref *(data + list._used[node] - 1);
                _limit = ref *data;
            }
            else
            {
                _cursor = ref *data;
                _limit = ref *(data + list._used[node]);
            }

            return true;
        }

        public void Dispose()
        {
            Release();
            _window?.Return(_window.Rental);
            _window = null;
        }

        private void Release()
        {
            _window?.Close();
            _cursor = ref Unsafe.NullRef<T>();
            _limit = ref Unsafe.NullRef<T>();
        }
    }

    /// <summary>The enumerable <see cref="Backward"/> returns: last element to first.</summary>
    public readonly struct BackwardScan
    {
        private readonly RemList<T> _list;

        internal BackwardScan(RemList<T> list) => _list = list;

        public Enumerator GetEnumerator() => new(_list, backward: true);
    }
}
