namespace FarMemory.Prefetching;

/// <summary>
/// The object ids one prefetch asks for, as a struct so the batching loop is specialised for each
/// shape (a stride, a list) without a delegate or an allocation.
/// </summary>
internal interface IObjectIds
{
    int Count { get; }

    long this[int k] { get; }
}
