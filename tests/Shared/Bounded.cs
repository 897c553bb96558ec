namespace FarMemory.Testing;

/// <summary>
/// Runs a test body on its own thread under a wall-clock bound, so a deadlock fails the test with a
/// message instead of hanging the whole run. The thread is a background thread: a body that never
/// returns is abandoned, and the process still exits.
/// </summary>
internal static class Bounded
{
    public static void Run(TimeSpan limit, Action body, string what = "the test body")
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = "bounded-test",
        };
        thread.Start();
        if (!thread.Join(limit))
        {
            throw new TimeoutException($"{what} did not finish within {limit.TotalSeconds:0} s: a deadlock or a lost wake-up.");
        }

        if (failure != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>A deadline for loops that are bounded by both an iteration count and wall clock.</summary>
    public static Func<bool> Deadline(TimeSpan limit)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        return () => System.Diagnostics.Stopwatch.GetTimestamp() >= end;
    }
}
