namespace FarMemory.Bench.Workloads.Web;

/// <summary>A system's traffic and memory counters at one moment.</summary>
internal readonly record struct SystemCounters(long BytesFromFar, long BytesToFar, long LocalPeakBytes);
