using System.Runtime.CompilerServices;
using FarMemory.Scopes;

namespace FarMemory.Collections;

public sealed unsafe partial class RemVector<T>
{
    /// <summary>
    /// Scans the vector object by object: one dereference per object, then a pointer walk. It holds
    /// its own scope for one object at a time, so a scan never pins more than one object.
    /// </summary>
    public ref struct Enumerator
    {
        private readonly RemVector<T> _vector;
        private ref T _cursor;
        private ref T _end;
        private DerefScope _scope;
        private long _nextObject;
        private bool _pushedPin;

        internal Enumerator(RemVector<T> vector)
        {
            _vector = vector;
            _cursor = ref Unsafe.NullRef<T>();
            _end = ref Unsafe.NullRef<T>();
            _scope = default;
            _nextObject = 0;
            _pushedPin = false;
        }

        public readonly ref readonly T Current => ref _cursor;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool MoveNext()
        {
            _cursor = ref Unsafe.Add(ref _cursor, 1);
            return Unsafe.IsAddressLessThan(ref _cursor, ref _end) || NextObject();
        }

        private bool NextObject()
        {
            Release();
            long first = _nextObject << _vector._shift;
            if (first >= _vector._count)
            {
                return false;
            }

            _scope = _vector.Runtime.EnterScope();
            T* data = (T*)_vector._store.Pinned(_nextObject++, write: false, in _scope, out _pushedPin);
            _cursor = ref *data;
            _end = ref *(data + Math.Min(_vector.ElementsPerObject, _vector._count - first));
            return true;
        }

        public void Dispose() => Release();

        /// <summary>Leaves the current object; pops our pin when an outer scope would keep it.</summary>
        private void Release()
        {
            if (_pushedPin)
            {
                _scope.UnpinTop(_vector._store.WordOf(_nextObject - 1));
            }

            _pushedPin = false;
            _scope.Dispose();
            _cursor = ref Unsafe.NullRef<T>();
            _end = ref Unsafe.NullRef<T>();
        }
    }
}
