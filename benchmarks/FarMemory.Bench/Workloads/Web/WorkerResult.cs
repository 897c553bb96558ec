namespace FarMemory.Bench.Workloads.Web;

/// <summary>What one worker did in a pass: its share of the checksum and of the output bytes.</summary>
internal readonly record struct WorkerResult(ulong Checksum, long OutputBytes);
