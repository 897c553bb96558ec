using System.Text.Json.Nodes;

namespace FarMemory.Bench.Workloads.Kv;

/// <summary>
/// How many gets a caching system served locally, summed over its workers. <see cref="Mark"/> is
/// called with each counter read, so the ratio <see cref="Describe"/> reports covers only the
/// measured pass.
/// </summary>
internal sealed class GetHits
{
    private long _gets;
    private long _hits;
    private (long Gets, long Hits) _before;
    private (long Gets, long Hits) _after;

    /// <summary>Adds one worker's counts (once, when it finishes a pass).</summary>
    public void Add(long gets, long hits)
    {
        Interlocked.Add(ref _gets, gets);
        Interlocked.Add(ref _hits, hits);
    }

    /// <summary>Closes a span (between passes, when the workers have been joined).</summary>
    public void Mark()
    {
        _before = _after;
        _after = (Interlocked.Read(ref _gets), Interlocked.Read(ref _hits));
    }

    /// <summary>Writes the share of the last span's gets served locally.</summary>
    public void Describe(JsonObject extra)
    {
        long gets = _after.Gets - _before.Gets;
        extra["getHitRatio"] = gets == 0 ? 0 : Math.Round((_after.Hits - _before.Hits) / (double)gets, 4);
    }
}
