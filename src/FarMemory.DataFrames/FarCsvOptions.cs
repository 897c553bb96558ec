namespace FarMemory.DataFrames;

/// <summary>Options of <see cref="FarDataFrame.LoadCsv(FarMemoryRuntime, string, FarCsvOptions)"/>.</summary>
public sealed class FarCsvOptions
{
    /// <summary>The field separator.</summary>
    public char Separator { get; set; } = ',';

    /// <summary>
    /// Column types that override inference, by column name: <c>typeof(long)</c>, <c>double</c>,
    /// <c>int</c>, <c>bool</c>, <c>DateTime</c> or <c>string</c>. A cell that does not parse as
    /// its forced type is a malformed row.
    /// </summary>
    public IDictionary<string, Type> ColumnTypes { get; } = new Dictionary<string, Type>(StringComparer.Ordinal);

    /// <summary>Rows read before the column types are fixed (later rows can still widen a type: long to double, anything to string).</summary>
    public int InferenceRows { get; set; } = 1000;

    /// <summary>Skip (and count in <see cref="FarDataFrame.SkippedRows"/>) malformed rows instead of throwing <see cref="FarDataFrameFormatException"/>.</summary>
    public bool SkipMalformedRows { get; set; }

    /// <summary>Progress of the load (bytes and rows), reported every few thousand rows and at the end.</summary>
    public IProgress<FarLoadProgress>? Progress { get; set; }

    /// <summary>How the loaded frame stores its columns.</summary>
    public FarDataFrameOptions Frame { get; set; } = new();
}
