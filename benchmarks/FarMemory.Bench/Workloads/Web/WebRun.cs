namespace FarMemory.Bench.Workloads.Web;

/// <summary>One pass of requests shared by a system's workers: they pull request numbers until none are left.</summary>
internal sealed class WebRun(WebSpec spec, ulong seed, int requests)
{
    private long _next = -1;

    public WebSpec Spec { get; } = spec;

    public ulong Seed { get; } = seed;

    public bool TryNext(out long request)
    {
        request = Interlocked.Increment(ref _next);
        return request < requests;
    }
}
