using FarMemory.Paging;

namespace FarMemory.DataFrames;

/// <summary>How a frame stores its columns and runs its operators; frames made from a frame share its options.</summary>
public sealed class FarDataFrameOptions
{
    /// <summary>Where columns live (far memory unless a baseline is wanted).</summary>
    public ColumnStorageKind Storage { get; set; } = ColumnStorageKind.Far;

    /// <summary>The shared frame pool for <see cref="ColumnStorageKind.Paged"/> storage (its budget is the paged baseline's).</summary>
    public FramePool? PagedFrames { get; set; }

    /// <summary>Paging options for <see cref="ColumnStorageKind.Paged"/> storage (policy, backend; the backend is not owned).</summary>
    public PagingOptions? Paging { get; set; }

    /// <summary>Offload policy of frames made with these options; null means the runtime's (<c>runtime.DataFrameOffloadPolicy</c>).</summary>
    public OffloadPolicy? Offload { get; set; }

    /// <summary>Rows moved per chunk by scans (and per scope on far memory): large enough to amortize a scope, small enough to stay in cache.</summary>
    public int ChunkRows { get; set; } = 8192;
}
