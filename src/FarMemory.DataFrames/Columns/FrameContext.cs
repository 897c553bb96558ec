using FarMemory.DataFrames.Storage;

namespace FarMemory.DataFrames.Columns;

/// <summary>What every column of a family of frames shares: the runtime, the storage choice and the offload decision.</summary>
internal sealed class FrameContext
{
    /// <summary>See <see cref="OffloadPolicy.Auto"/>.</summary>
    public const double AutoLocalFractionThreshold = 0.5;

    public FrameContext(FarMemoryRuntime runtime, FarDataFrameOptions options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChunkRows < 64)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ChunkRows, "ChunkRows must be at least 64.");
        }

        if (options.Storage == ColumnStorageKind.Paged && options.PagedRegion == null)
        {
            throw new ArgumentException("Paged storage needs FarDataFrameOptions.PagedRegion (the shared paged region).", nameof(options));
        }

        Runtime = runtime;
        Options = options;
        ChunkRows = options.ChunkRows;
    }

    public FarMemoryRuntime Runtime { get; }

    public FarDataFrameOptions Options { get; }

    public int ChunkRows { get; }

    /// <summary>The frame's own policy when set, else the runtime's.</summary>
    public OffloadPolicy? Policy { get; set; }

    public OffloadPolicy EffectivePolicy => Policy ?? Options.Offload ?? Runtime.DataFrameOffloadPolicy;

    public IColumnStorage<T> Create<T>()
        where T : unmanaged => Options.Storage switch
        {
            ColumnStorageKind.Local => new LocalArrayStorage<T>(),
            ColumnStorageKind.Paged => new PagedArrayStorage<T>(Options.PagedRegion!),
            _ => new FarVectorStorage<T>(Runtime),
        };

    /// <summary>
    /// Whether to run an operator over these storages on the remote agent: never without far
    /// vectors or a backend that runs operations; otherwise as the policy says.
    /// </summary>
    public bool ShouldOffload<T1>(IColumnStorage<T1> a)
        where T1 : unmanaged => ShouldOffloadFraction(a.Vector != null, a.LocalFraction);

    public bool ShouldOffload<T1, T2>(IColumnStorage<T1> a, IColumnStorage<T2> b)
        where T1 : unmanaged
        where T2 : unmanaged => ShouldOffloadFraction(a.Vector != null && b.Vector != null, () => Math.Min(a.LocalFraction(), b.LocalFraction()));

    private bool ShouldOffloadFraction(bool far, Func<double> localFraction)
    {
        OffloadPolicy policy = EffectivePolicy;
        if (!far || policy == OffloadPolicy.Never || !SupportsOffload())
        {
            return false;
        }

        return policy == OffloadPolicy.Always || localFraction() < AutoLocalFractionThreshold;
    }

    private bool SupportsOffload()
    {
        FarMemoryRuntimeDataFrameExtensions.RuntimeSettings settings = FarMemoryRuntimeDataFrameExtensions.Settings(Runtime);
        if (settings.SupportsOffload < 0)
        {
            bool supports;
            try
            {
                supports = Runtime.RunParked(() => Runtime.SupportsOffloadAsync().AsTask());
            }
            catch (FarMemoryException)
            {
                supports = false;
            }

            settings.SupportsOffload = supports ? 1 : 0;
        }

        return settings.SupportsOffload == 1;
    }
}
