using System.Globalization;
using System.Runtime.CompilerServices;
using FarMemory.DataFrames.Columns;
using FarMemory.DataFrames.Csv;
using nietras.SeparatedValues;

namespace FarMemory.DataFrames;

public sealed partial class FarDataFrame
{
    private const int ProgressRows = 1 << 16;

    /// <summary>Loads a CSV file with a header row, inferring column types (see <see cref="FarCsvOptions"/>).</summary>
    public static FarDataFrame LoadCsv(FarMemoryRuntime runtime, string path) => LoadCsv(runtime, path, new FarCsvOptions());

    /// <summary>
    /// Loads a CSV file with a header row in one streaming pass: cells are parsed with Sep and
    /// appended to far memory a chunk at a time, so the local footprint is the budget plus a chunk
    /// per column, whatever the file's size.
    /// </summary>
    /// <remarks>
    /// Types: integers are long, other numbers double, ISO-8601 timestamps (<c>2016-01-01 00:01:00</c>
    /// or with a <c>T</c>) DateTime, true/false bool, anything else a dictionary-encoded string;
    /// <see cref="FarCsvOptions.ColumnTypes"/> forces a type per column. Empty cells are nulls. A
    /// row with the wrong number of fields, or a cell that does not parse as its forced type,
    /// throws <see cref="FarDataFrameFormatException"/> (or is skipped and counted), and a failed
    /// load frees everything it stored.
    /// </remarks>
    public static FarDataFrame LoadCsv(FarMemoryRuntime runtime, string path, FarCsvOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return LoadCsv(runtime, stream, options, path);
    }

    /// <summary>Loads CSV from <paramref name="stream"/> (left open); <paramref name="name"/> names it in errors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FarDataFrame LoadCsv(FarMemoryRuntime runtime, Stream stream, FarCsvOptions? options = null, string name = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new FarCsvOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism, 1, nameof(options));
        var context = new FrameContext(runtime, options.Frame);
        long total = stream.CanSeek ? stream.Length : 0;
        using SepReader reader = Sep.New(options.Separator).Reader(o => o with
        {
            HasHeader = true,
            DisableColCountCheck = true,
            Unescape = true,
            CultureInfo = CultureInfo.InvariantCulture,
        }).From(stream);

        var frame = new FarDataFrame(context);
        string[] names = [.. reader.Header.ColNames];
        if (names.Length == 0)
        {
            return frame;
        }

        var columns = new CsvColumn[names.Length];
        long rows = 0;
        long skipped = 0;
        try
        {
            // The first rows fix the types; they are kept as text until then.
            var sample = new List<(long Line, string[] Cells)>();
            bool more = true;
            while (sample.Count < Math.Max(1, options.InferenceRows) && (more = reader.MoveNext()))
            {
                SepReader.Row row = reader.Current;
                if (row.ColCount != names.Length)
                {
                    Malformed(name, row.LineNumberFrom, Math.Min(row.ColCount, names.Length) + 1, $"expected {names.Length} fields, found {row.ColCount}", options, ref skipped);
                    continue;
                }

                var cells = new string[names.Length];
                for (int c = 0; c < cells.Length; c++)
                {
                    cells[c] = row[c].ToString();
                }

                sample.Add((row.LineNumberFrom, cells));
            }

            for (int c = 0; c < names.Length; c++)
            {
                bool forced = options.ColumnTypes.TryGetValue(names[c], out Type? type);
                ColumnKind kind = forced ? ColumnKinds.Of(type!) : Infer(sample, c);
                columns[c] = new CsvColumn(context, kind, forced);
            }

            foreach ((long line, string[] cells) in sample)
            {
                int bad = AddRow(columns, cells);
                if (bad < 0)
                {
                    rows++;
                }
                else
                {
                    Malformed(name, line, bad + 1, $"'{cells[bad]}' is not a {ColumnKinds.TypeOf(columns[bad].Kind).Name}", options, ref skipped);
                }
            }

            if (more && options.Parallelism > 1)
            {
                using var loader = new ParallelCsvLoader(columns, options, name, stream, total, options.Parallelism - 1);
                rows += loader.Run(reader, ref skipped);
                more = false;
            }

            while (more && reader.MoveNext())
            {
                SepReader.Row row = reader.Current;
                if (row.ColCount != names.Length)
                {
                    Malformed(name, row.LineNumberFrom, Math.Min(row.ColCount, names.Length) + 1, $"expected {names.Length} fields, found {row.ColCount}", options, ref skipped);
                    continue;
                }

                int bad = -1;
                for (int c = 0; c < columns.Length; c++)
                {
                    if (!columns[c].Add(row[c].Span))
                    {
                        bad = c;
                        for (int back = 0; back < c; back++)
                        {
                            columns[back].Unappend();
                        }

                        break;
                    }
                }

                if (bad >= 0)
                {
                    Malformed(name, row.LineNumberFrom, bad + 1, $"'{row[bad].ToString()}' is not a {ColumnKinds.TypeOf(columns[bad].Kind).Name}", options, ref skipped);
                    continue;
                }

                if (++rows % ProgressRows == 0)
                {
                    options.Progress?.Report(new FarLoadProgress(stream.CanSeek ? stream.Position : 0, rows, total));
                }
            }

            for (int c = 0; c < columns.Length; c++)
            {
                frame.AddData(names[c], columns[c].Build());
            }

            frame.SkippedRows = skipped;
            options.Progress?.Report(new FarLoadProgress(stream.CanSeek ? stream.Position : 0, rows, total));
            return frame;
        }
        catch
        {
            foreach (CsvColumn? c in columns)
            {
                c?.Dispose();
            }

            frame.Dispose();
            throw;
        }
    }

    /// <summary>Writes the frame as CSV with a header row (nulls as empty cells, timestamps as <c>yyyy-MM-dd HH:mm:ss</c>).</summary>
    public void SaveCsv(string path, char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        SaveCsv(stream, separator);
    }

    /// <summary>Writes the frame as CSV to <paramref name="stream"/> (left open).</summary>
    public void SaveCsv(Stream stream, char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfDisposed();
        using var text = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
        using SepWriter writer = Sep.New(separator).Writer(o => o with { Escape = true, CultureInfo = CultureInfo.InvariantCulture }).To(text);
        string[] names = [.. _columns.Select(c => c.Name)];
        if (RowCount == 0)
        {
            writer.Header.Add(names);
            writer.Header.Write();
            return;
        }

        int chunk = Context.ChunkRows;
        var cells = new string[_columns.Count][];
        for (int c = 0; c < cells.Length; c++)
        {
            cells[c] = new string[chunk];
        }

        for (long start = 0; start < RowCount; start += chunk)
        {
            int n = (int)Math.Min(chunk, RowCount - start);
            for (int c = 0; c < _columns.Count; c++)
            {
                string[] column = cells[c];
                ColumnBuilder copy = _columns[c].Data.NewBuilder();
                _columns[c].Data.AppendRange(copy, start, n);
                using ColumnData part = copy.Build();
                BoxedColumns.ForEach(part, (row, v) => column[row] = Format(v));
            }

            for (int r = 0; r < n; r++)
            {
                using SepWriter.Row row = writer.NewRow();
                for (int c = 0; c < names.Length; c++)
                {
                    row[names[c]].Set(cells[c][r]);
                }
            }
        }
    }

    private static ColumnKind Infer(List<(long Line, string[] Cells)> sample, int column)
    {
        ColumnKind? kind = null;
        foreach ((_, string[] cells) in sample)
        {
            string cell = cells[column];
            if (cell.Length == 0)
            {
                continue;
            }

            ColumnKind k = CellParser.Classify(cell);
            kind = kind == null ? k : CellParser.Join(kind.Value, k);
            if (kind == ColumnKind.String)
            {
                break;
            }
        }

        return kind ?? ColumnKind.String;
    }

    /// <summary>Adds one row's cells; the index of the first cell that does not parse as its forced type (the row then adds nothing), or -1.</summary>
    private static int AddRow(CsvColumn[] columns, string[] cells)
    {
        for (int c = 0; c < columns.Length; c++)
        {
            if (!columns[c].Add(cells[c]))
            {
                for (int back = 0; back < c; back++)
                {
                    columns[back].Unappend();
                }

                return c;
            }
        }

        return -1;
    }

    internal static void Malformed(string file, long line, int column, string reason, FarCsvOptions options, ref long skipped)
    {
        if (!options.SkipMalformedRows)
        {
            throw new FarDataFrameFormatException(file, line, column, reason);
        }

        skipped++;
    }
}
