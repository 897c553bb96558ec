using FarMemory.Scopes;

namespace FarMemory.Collections;

public sealed unsafe partial class RemArray<T>
{
    /// <summary>
    /// Scans the array object by object: one dereference per object, then plain span reads. It
    /// holds its own scope for one object at a time, so a scan of any length never pins more than
    /// one object and never blocks the evacuator for long.
    /// </summary>
    public ref struct Enumerator
    {
        private readonly RemArray<T> _array;
        private DerefScope _scope;
        private ReadOnlySpan<T> _chunk;
        private long _nextObject;
        private int _position;
        private bool _pushedPin;

        internal Enumerator(RemArray<T> array)
        {
            _array = array;
            _scope = default;
            _chunk = default;
            _nextObject = 0;
            _position = -1;
            _pushedPin = false;
        }

        public readonly ref readonly T Current => ref _chunk[_position];

        public bool MoveNext()
        {
            if (++_position < _chunk.Length)
            {
                return true;
            }

            return NextObject();
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
            byte* data = _array.Pinned(objectIndex, write: false, in _scope, out _pushedPin);
            _chunk = new ReadOnlySpan<T>(data, _array.ObjectLength(objectIndex));
            _position = 0;
            return _chunk.Length > 0 || NextObject();
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
            _chunk = default;
        }
    }
}
