namespace FarMemory.Collections;

public sealed unsafe partial class RemArray<T>
{
    /// <summary>The enumerable <see cref="NonTemporal"/> returns; see there.</summary>
    public readonly struct NonTemporalScan
    {
        private readonly RemArray<T> _array;

        internal NonTemporalScan(RemArray<T> array) => _array = array;

        public ObjectScan<T> GetEnumerator() => new(_array._structure, _array._length, _array._shift, nonTemporal: true);
    }
}
