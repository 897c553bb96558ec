namespace FarMemory.Collections;

public sealed partial class RemArray<T>
{
    /// <summary>The enumerable <see cref="NonTemporal"/> returns; see there.</summary>
    public readonly struct NonTemporalScan
    {
        private readonly RemArray<T> _array;

        internal NonTemporalScan(RemArray<T> array) => _array = array;

        public Enumerator GetEnumerator() => new(_array, nonTemporal: true);
    }
}
