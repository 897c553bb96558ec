using Microsoft.Extensions.Logging;

namespace FarMemory.Diagnostics;

/// <summary>The runtime's log events, source-generated so a disabled level costs one check and no allocation.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Runtime {Runtime}: background evacuation failed; its objects stay local and dirty and the next round retries")]
    public static partial void EvacuationFailed(ILogger logger, string runtime, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Runtime {Runtime}: an allocation stalled {StallMilliseconds:F1} ms waiting for local memory (budget {BudgetBytes} bytes)")]
    public static partial void AllocationStalled(ILogger logger, string runtime, double stallMilliseconds, long budgetBytes);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Runtime {Runtime}: budget exhausted: {Reason}")]
    public static partial void BudgetExhausted(ILogger logger, string runtime, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Runtime {Runtime} started: budget {BudgetBytes} bytes, segments of {SegmentSize} bytes, backend {Backend}")]
    public static partial void Started(ILogger logger, string runtime, long budgetBytes, int segmentSize, string backend);
}
