using System.Runtime.CompilerServices;
using FarMemory.Scopes;

namespace FarMemory.Collections;

public sealed unsafe partial class RemArray<T>
{
    /// <summary>
    /// Scans the array object by object: one dereference per object, then a pointer walk through
    /// its elements. It holds its own scope for one object at a time, so a scan of any length never
    /// pins more than one object and never holds the evacuator back for long.
    /// </summary>
    public ref struct Enumerator
    {
        private readonly RemArray<T> _array;
        private ref T _cursor;
        private ref T _end;
        private DerefScope _scope;
        private readonly bool _nonTemporal;
        private long _nextObject;
        private bool _pushedPin;

        internal Enumerator(RemArray<T> array, bool nonTemporal)
        {
            _nonTemporal = nonTemporal;
            _array = array;
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
            if (_nextObject >= _array.ObjectCount)
            {
                return false;
            }

            _scope = _array._runtime.EnterScope();
            long objectIndex = _nextObject++;
            T* data = (T*)_array.Pinned(objectIndex, write: false, in _scope, out _pushedPin, _nonTemporal);
            _cursor = ref *data;
            _end = ref *(data + _array.ObjectLength(objectIndex));
            return true;
        }

        public void Dispose() => Release();

        /// <summary>
        /// Leaves the current object. When the caller already had a scope open ours is nested and
        /// its exit keeps the pins, so pop the pin we pushed to keep a long scan within the pin list.
        /// </summary>
        private void Release()
        {
            if (_pushedPin)
            {
                _scope.UnpinTop(_array.WordOf(_nextObject - 1));
            }

            _pushedPin = false;
            _scope.Dispose();
            _cursor = ref Unsafe.NullRef<T>();
            _end = ref Unsafe.NullRef<T>();
        }
    }
}
