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

    /// <summary>
    /// Threads that parse cells: the reading thread splits rows and appends the parsed values in
    /// file order, while up to this many minus one others parse batches of rows into typed values;
    /// 1 parses on the reading thread alone. Default: half the processors from 4 up, else 1. On 2
    /// vCPUs two parsing threads measured no faster than one (the reading thread's split and
    /// appends are half the work) at 1.7x the CPU, which a far-memory load needs for its evacuator.
    /// </summary>
    public int Parallelism { get; set; } = Environment.ProcessorCount >= 4 ? Environment.ProcessorCount / 2 : 1;

    /// <summary>How the loaded frame stores its columns.</summary>
    public FarDataFrameOptions Frame { get; set; } = new();
}
