using FarMemory;
using FarMemory.Collections;
using FarMemory.Diagnostics;
using FarMemory.Scopes;

// A 4 MiB local budget and an array of 40 MiB: nine tenths of the data must live far.
const long Budget = 4L << 20;
const long Elements = 5_000_000; // 5 M longs = 40 MB
var options = new FarMemoryOptions { LocalBudgetBytes = Budget, SegmentSize = 256 << 10 };

using var runtime = new FarMemoryRuntime(options);
using RemArray<long> array = runtime.CreateArray<long>(Elements);
Console.WriteLine($"FarMemory QuickStart: {Elements * sizeof(long) / (1 << 20)} MiB of longs, local budget {Budget / (1 << 20)} MiB, backend {runtime.Backend.GetType().Name}");

// Write every element, renewing the scope every object so the evacuator can reclaim what we left.
using (DerefScope scope = runtime.EnterScope())
{
    for (long i = 0; i < array.Length; i++)
    {
        array.Write(i, i * 3, scope);
    }
}

// Read it all back twice: sequentially with the enumerator, then at random.
long sum = 0;
foreach (long value in array)
{
    sum += value;
}

long expected = 3 * (Elements - 1) * Elements / 2;
var random = new Random(42);
long mismatches = 0;
using (DerefScope scope = runtime.EnterScope())
{
    for (int k = 0; k < 200_000; k++)
    {
        long i = random.NextInt64(Elements);
        if (array.Read(i, scope) != i * 3)
        {
            mismatches++;
        }
    }
}

FarMemoryStats stats = runtime.GetStats();
Console.WriteLine($"sum            {sum} ({(sum == expected ? "correct" : $"WRONG, expected {expected}")})");
Console.WriteLine($"random reads   200000, mismatches {mismatches}");
Console.WriteLine($"hits           {stats.Hits}");
Console.WriteLine($"misses         {stats.Misses}");
Console.WriteLine($"hit ratio      {stats.HitRatio:P2}");
Console.WriteLine($"evictions      {stats.Evictions} (written back {stats.WriteBacks}, moved {stats.ObjectsMoved})");
Console.WriteLine($"bytes from far {stats.BytesFromFar}");
Console.WriteLine($"bytes to far   {stats.BytesToFar}");
Console.WriteLine($"local bytes    {stats.LocalBytesInUse} now, peak {stats.LocalBytesPeak}, budget {stats.BudgetBytes}");
return sum == expected && mismatches == 0 && stats.LocalBytesPeak <= Budget ? 0 : 1;
