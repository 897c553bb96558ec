using System.Runtime.CompilerServices;

namespace FarMemory.DataFrames;

/// <summary>DataFrame settings kept per runtime.</summary>
public static class FarMemoryRuntimeDataFrameExtensions
{
    private static readonly ConditionalWeakTable<FarMemoryRuntime, RuntimeSettings> s_settings = new();

    extension(FarMemoryRuntime runtime)
    {
        /// <summary>The offload policy of frames on this runtime that set none of their own (see <see cref="OffloadPolicy"/>).</summary>
        public OffloadPolicy DataFrameOffloadPolicy
        {
            get => Settings(runtime).Policy;
            set => Settings(runtime).Policy = value;
        }
    }

    internal static RuntimeSettings Settings(FarMemoryRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return s_settings.GetValue(runtime, _ => new RuntimeSettings());
    }

    /// <summary>Per-runtime state: the policy, and whether the backend runs operations (asked once).</summary>
    internal sealed class RuntimeSettings
    {
        public OffloadPolicy Policy { get; set; }

        public int SupportsOffload { get; set; } = -1;
    }
}
