namespace FarMemory.DataFrames;

/// <summary>Where a frame keeps its columns.</summary>
public enum ColumnStorageKind
{
    /// <summary>In far memory: one FarMemory vector per column, under the runtime's byte budget.</summary>
    Far = 0,

    /// <summary>In managed arrays, all local (the baseline far memory is measured against).</summary>
    Local = 1,

    /// <summary>In page-granular far memory (FarMemory.Paging), the demand-paging baseline.</summary>
    Paged = 2,
}
