using System.Text.Json.Nodes;

namespace FarMemory.Bench.Workloads.Web;

/// <summary>
/// How many of the key lookups and value reads a caching system served locally, summed over its
/// workers. <see cref="Mark"/> is called with each counter read, so the ratios that
/// <see cref="Describe"/> reports cover only the measured pass, not the load or the warm-up.
/// </summary>
internal sealed class LookupHits
{
    private readonly long[] _current = new long[4];
    private long[] _before = new long[4];
    private long[] _after = new long[4];

    /// <summary>Adds one worker's counts (once, when it finishes a pass).</summary>
    public void Add(long keyLookups, long keyHits, long valueReads, long valueHits)
    {
        Interlocked.Add(ref _current[0], keyLookups);
        Interlocked.Add(ref _current[1], keyHits);
        Interlocked.Add(ref _current[2], valueReads);
        Interlocked.Add(ref _current[3], valueHits);
    }

    /// <summary>
    /// Closes a span: what <see cref="Describe"/> reports is the span between the last two marks.
    /// Called between passes, when the workers have been joined, so plain reads see their counts.
    /// </summary>
    public void Mark()
    {
        _before = _after;
        _after = (long[])_current.Clone();
    }

    /// <summary>Writes the key, value and byte-weighted hit ratios of the last span.</summary>
    public void Describe(JsonObject extra, int keyBytes, int valueBytes)
    {
        long keyLookups = _after[0] - _before[0];
        long keyHits = _after[1] - _before[1];
        long valueReads = _after[2] - _before[2];
        long valueHits = _after[3] - _before[3];
        extra["keyHitRatio"] = Ratio(keyHits, keyLookups);
        extra["valueHitRatio"] = Ratio(valueHits, valueReads);
        extra["byteHitRatio"] = Ratio((keyHits * keyBytes) + (valueHits * valueBytes), (keyLookups * keyBytes) + (valueReads * valueBytes));
    }

    private static double Ratio(long part, long whole) => whole == 0 ? 0 : Math.Round(part / (double)whole, 4);
}
