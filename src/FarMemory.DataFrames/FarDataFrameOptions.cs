using FarMemory.Paging;

namespace FarMemory.DataFrames;

/// <summary>How a frame stores its columns and runs its operators; frames made from a frame share its options.</summary>
public sealed class FarDataFrameOptions
{
    /// <summary>Where columns live (far memory unless a baseline is wanted).</summary>
    public ColumnStorageKind Storage { get; set; } = ColumnStorageKind.Far;

    /// <summary>
    /// The region <see cref="ColumnStorageKind.Paged"/> columns are carved from: one region for
    /// all the frames' columns, so they page against one frame pool and policy (size it for them
    /// all; it costs its page table until touched).
    /// </summary>
    public PagedMemory? PagedRegion { get; set; }

    /// <summary>Offload policy of frames made with these options; null means the runtime's (<c>runtime.DataFrameOffloadPolicy</c>).</summary>
    public OffloadPolicy? Offload { get; set; }

    /// <summary>Rows moved per chunk by scans (and per scope on far memory): large enough to amortize a scope, small enough to stay in cache.</summary>
    public int ChunkRows { get; set; } = 8192;
}
