using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// The local index a <see cref="RemHashTable{TKey, TValue}"/> builds for a key set (it stays local
/// whatever the budget, so budgets add it), measured once on a throwaway in-process runtime.
/// </summary>
internal static class HashIndexSize
{
    public static long Measure<TKey, TValue>(long count, Func<long, TKey> key, int stripes = 0)
        where TKey : unmanaged, IEquatable<TKey>
        where TValue : unmanaged
    {
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 4L << 30, BackgroundEvacuation = false });
        using RemHashTable<TKey, TValue> table = runtime.CreateHashTable<TKey, TValue>(stripes);
        using DerefScope scope = runtime.EnterScope();
        for (long i = 0; i < count; i++)
        {
            table.Put(key(i), default, scope);
            if ((i & 1023) == 0)
            {
                scope.Renew();
            }
        }

        return table.IndexBytes;
    }
}
