namespace FarMemory.Server.ObjectStore;

/// <summary>What one session may hold: bytes charged (data plus metadata), objects and structures.</summary>
internal readonly record struct NamespaceLimits(long QuotaBytes, long MaxObjects, int MaxStructures)
{
    public static NamespaceLimits BytesOnly(long quotaBytes) => new(quotaBytes, long.MaxValue, int.MaxValue);
}
