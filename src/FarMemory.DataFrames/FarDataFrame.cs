using System.Buffers;
using System.Text;
using FarMemory.Collections;
using FarMemory.DataFrames.Columns;
using FarMemory.Offload;

namespace FarMemory.DataFrames;

/// <summary>
/// A table whose columns live in far memory: each column is chunked over the runtime's
/// collections, so a frame larger than the local budget loads, filters, groups and sorts while
/// holding a few chunks locally, and operators run on the far-memory server's remote agent when
/// the data is mostly far (see <see cref="OffloadPolicy"/>).
/// </summary>
/// <remarks>
/// Frames are immutable but for <see cref="AddColumn"/>: operators return new frames, which share
/// the runtime and the options of the frame they came from. Dispose frees every column's far
/// memory. One thread at a time per frame.
/// </remarks>
public sealed partial class FarDataFrame : IDisposable
{
    private readonly List<FarColumn> _columns = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private bool _disposed;
    private bool _isView;

    internal FarDataFrame(FrameContext context)
    {
        Context = context;
    }

    public FarMemoryRuntime Runtime => Context.Runtime;

    /// <summary>Rows in the frame.</summary>
    public long RowCount => _columns.Count == 0 ? 0 : _columns[0].Length;

    public IReadOnlyList<string> ColumnNames => _columns.Select(c => c.Name).ToArray();

    public IReadOnlyList<FarColumn> Columns => _columns;

    /// <summary>Malformed rows a load skipped (with <see cref="FarCsvOptions.SkipMalformedRows"/>).</summary>
    public long SkippedRows { get; internal set; }

    /// <summary>
    /// Whether operators on this frame run on the remote agent (see <see cref="DataFrames.OffloadPolicy"/>);
    /// shared with the frames made from it. Unset, it is the runtime's <c>DataFrameOffloadPolicy</c>.
    /// </summary>
    public OffloadPolicy OffloadPolicy
    {
        get => Context.EffectivePolicy;
        set => Context.Policy = value;
    }

    internal FrameContext Context { get; }

    /// <summary>The column <paramref name="name"/>, untyped.</summary>
    public FarColumn this[string name] => ColumnByName(name);

    /// <summary>
    /// The column <paramref name="name"/> typed as <typeparamref name="T"/>, owned by the frame.
    /// A column of another type throws <see cref="FarColumnTypeException"/> naming its real type.
    /// </summary>
    public FarColumn<T> Column<T>(string name)
    {
        FarColumn column = ColumnByName(name);
        if (column is FarColumn<T> typed)
        {
            return typed;
        }

        throw new FarColumnTypeException(name, column.DataType, $"The column '{name}' holds {column.DataType.Name} values, not {typeof(T).Name}.");
    }

    /// <summary>
    /// Adds <paramref name="column"/> (a computed column that no frame owns yet) as
    /// <paramref name="name"/>; the frame owns it from now on.
    /// </summary>
    public void AddColumn(string name, FarColumn column)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(column);
        ThrowIfDisposed();
        if (column.Owner != null)
        {
            throw new InvalidOperationException($"The column '{column.Name}' already belongs to a frame; add a computed column (an operator's result) instead.");
        }

        if (_index.ContainsKey(name))
        {
            throw new ArgumentException($"The frame already has a column '{name}'.", nameof(name));
        }

        if (_columns.Count > 0 && column.Length != RowCount)
        {
            throw new ArgumentException($"The column has {column.Length} rows; the frame has {RowCount}.", nameof(column));
        }

        if (column.Context.Runtime != Runtime)
        {
            throw new ArgumentException("The column belongs to another runtime.", nameof(column));
        }

        column.Name = name;
        column.Owner = this;
        _index.Add(name, _columns.Count);
        _columns.Add(column);
    }

    /// <summary>The rows where <paramref name="mask"/> is true (a null is false), as a new frame.</summary>
    /// <remarks>Offloaded: the agent finds the rows' indices and gathers every column, so no column crosses the wire.</remarks>
    public FarDataFrame Filter(FarColumn<bool> mask) => Filter(mask, []);

    /// <summary>
    /// The rows where <paramref name="mask"/> is true, of the named <paramref name="columns"/> only
    /// (all of them when none are named): a selection that gathers only what it needs.
    /// </summary>
    public FarDataFrame Filter(FarColumn<bool> mask, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(columns);
        ThrowIfDisposed();
        if (columns.Length > 0)
        {
            using FarDataFrame view = View(columns);
            return view.Filter(mask);
        }

        if (mask.Length != RowCount)
        {
            throw new ArgumentException($"The mask has {mask.Length} rows; the frame has {RowCount}.", nameof(mask));
        }

        var maskData = (ColumnData<byte>)mask.Data;
        // A selection runs where its mask is: a fresh mask is local (its comparison streamed the key
        // column here already), and shipping it to gather far costs more than gathering here, as
        // measured; a mask that is mostly far (evicted, or made by the agent) selects there.
        if (maskData.NullCount == 0 && maskData.Values.Vector != null && ShouldOffloadFrame() && Context.ShouldOffload(maskData.Values))
        {
            try
            {
                using RemVector<long> indices = maskData.Values.Vector.Offload.WhereIndices(FarPredicate.NotEqualTo(0L));
                FarDataFrame? far = TryGatherFar(indices);
                if (far != null)
                {
                    return far;
                }
            }
            catch (FarOperationException)
            {
                // Past the agent's deadline or limits: filtered here instead.
            }
        }

        return Select(maskData);
    }

    /// <summary>Groups the rows by the values of <paramref name="column"/> (nulls in no group); aggregate with the result's methods.</summary>
    public FarGroupBy GroupBy(string column)
    {
        ThrowIfDisposed();
        FarColumn key = ColumnByName(column);
        if (key.DataType == typeof(double))
        {
            throw new FarColumnTypeException(column, typeof(double), $"Group keys are integers, bools, DateTimes or strings; '{column}' holds doubles.");
        }

        return new FarGroupBy(this, key);
    }

    /// <summary>The rows sorted by <paramref name="column"/>, ascending and stable; nulls last.</summary>
    public FarDataFrame OrderBy(string column) => Sort(column, descending: false);

    /// <summary>The rows sorted by <paramref name="column"/>, descending and stable; nulls last.</summary>
    public FarDataFrame OrderByDescending(string column) => Sort(column, descending: true);

    /// <summary>The first <paramref name="count"/> rows (all of them if fewer), as a new frame.</summary>
    public FarDataFrame Head(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ThrowIfDisposed();
        long n = Math.Min(count, RowCount);
        return Derive(data =>
        {
            ColumnBuilder b = data.NewBuilder();
            try
            {
                data.AppendRange(b, 0, n);
                return b.Build();
            }
            catch
            {
                b.Dispose();
                throw;
            }
        });
    }

    /// <summary>
    /// A summary of the numeric columns, as Microsoft.Data.Analysis's <c>Description</c>: a
    /// "Description" column naming the rows Length, Max, Min and Mean, then one double column per numeric column.
    /// </summary>
    public FarDataFrame Description()
    {
        ThrowIfDisposed();
        var result = new FarDataFrame(Context);
        try
        {
            result.AddData("Description", BoxedColumns.Build(Context, ColumnKind.String, ["Length", "Max", "Min", "Mean"]));
            foreach (FarColumn c in _columns)
            {
                if (!ColumnKinds.IsNumeric(c.Data.Kind))
                {
                    continue;
                }

                ColumnSummary s = c.Data switch
                {
                    ColumnData<long> d => Aggregates.Summarize(d),
                    ColumnData<double> d => Aggregates.Summarize(d),
                    ColumnData<int> d => Aggregates.Summarize(d),
                    _ => default,
                };
                double mean = s.Count == 0 ? double.NaN : (c.Data.Kind == ColumnKind.Double ? s.Sum : s.IntegerSum) / (double)s.Count;
                object?[] values = [(double)s.Count, s.Count == 0 ? null : s.Max, s.Count == 0 ? null : s.Min, s.Count == 0 ? null : mean];
                result.AddData(c.Name, BoxedColumns.Build(Context, ColumnKind.Double, values));
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new column of <paramref name="function"/> applied to each row's values of
    /// <paramref name="columns"/> (numeric, bool as 0/1 or DateTime as ticks, in that order); a row
    /// with a null input is null. The caller owns the result (or adds it with <see cref="AddColumn"/>).
    /// </summary>
    public FarColumn<double> Compute(FarRowFunction function, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(columns);
        ThrowIfDisposed();
        ColumnData[] inputs = [.. columns.Select(n => ColumnByName(n).Data)];
        foreach ((ColumnData d, string n) in inputs.Zip(columns))
        {
            if (d.Kind == ColumnKind.String)
            {
                throw new FarColumnTypeException(n, typeof(string), $"Compute takes numeric, bool or DateTime columns; '{n}' holds strings.");
            }
        }

        int chunk = Context.ChunkRows;
        var b = new ColumnBuilder<double>(Context, ColumnKind.Double, null);
        double[][] buffers = [.. inputs.Select(_ => ArrayPool<double>.Shared.Rent(chunk))];
        byte[][] valid = [.. inputs.Select(_ => ArrayPool<byte>.Shared.Rent(chunk))];
        try
        {
            Span<double> row = inputs.Length <= 64 ? stackalloc double[inputs.Length] : new double[inputs.Length];
            for (long start = 0; start < RowCount; start += chunk)
            {
                int n = (int)Math.Min(chunk, RowCount - start);
                for (int c = 0; c < inputs.Length; c++)
                {
                    ReadAsDouble(inputs[c], start, buffers[c].AsSpan(0, n), valid[c].AsSpan(0, n));
                }

                for (int i = 0; i < n; i++)
                {
                    bool ok = true;
                    for (int c = 0; c < inputs.Length; c++)
                    {
                        row[c] = buffers[c][i];
                        ok &= valid[c][i] != 0;
                    }

                    if (ok)
                    {
                        b.Append(function(row));
                    }
                    else
                    {
                        b.AppendNull();
                    }
                }
            }

            return new FarColumn<double>("computed", b.Build());
        }
        catch
        {
            b.Dispose();
            throw;
        }
        finally
        {
            foreach (double[] a in buffers)
            {
                ArrayPool<double>.Shared.Return(a);
            }

            foreach (byte[] a in valid)
            {
                ArrayPool<byte>.Shared.Return(a);
            }
        }
    }

    /// <summary>The first rows as a text table (at most <paramref name="rows"/>).</summary>
    public string ToString(int rows)
    {
        ThrowIfDisposed();
        long n = Math.Min(rows, RowCount);
        var cells = new string[n + 1][];
        cells[0] = [.. _columns.Select(c => c.Name)];
        for (long r = 0; r < n; r++)
        {
            cells[r + 1] = [.. _columns.Select(c => Format(c.Data.GetBoxed(r)))];
        }

        int[] widths = [.. Enumerable.Range(0, _columns.Count).Select(c => cells.Max(row => row[c].Length))];
        var sb = new StringBuilder();
        foreach (string[] line in cells)
        {
            sb.AppendJoin("  ", line.Select((cell, c) => cell.PadRight(widths[c]))).AppendLine();
        }

        return sb.ToString();
    }

    /// <summary>The first 10 rows as a text table.</summary>
    public override string ToString() => ToString(10);

    /// <summary>Frees every column's far memory; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_isView)
        {
            foreach (FarColumn c in _columns)
            {
                c.Release();
            }
        }

        _columns.Clear();
        _index.Clear();
    }

    internal static void ForEachValue(ColumnData data, Action<long, object?> visit) => BoxedColumns.ForEach(data, visit);

    internal static FarDataFrame FromValues(FrameContext context, params (string Name, Type Type, object?[] Values)[] columns)
    {
        var frame = new FarDataFrame(context);
        try
        {
            foreach ((string name, Type type, object?[] values) in columns)
            {
                frame.AddData(name, BoxedColumns.Build(context, ColumnKinds.Of(type), values));
            }

            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    internal static string Format(object? value) => value switch
    {
        null => "",
        DateTime t => t.ToString(t.TimeOfDay == TimeSpan.Zero && t.Ticks % TimeSpan.TicksPerDay == 0 ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Adds a column the frame owns from the start (built by an operator or a loader).</summary>
    internal void AddData(string name, ColumnData data)
    {
        if (_index.ContainsKey(name))
        {
            data.Dispose();
            throw new ArgumentException($"The frame already has a column '{name}'.", nameof(name));
        }

        FarColumn column = FarColumn.Create(name, data);
        column.Owner = this;
        _index.Add(name, _columns.Count);
        _columns.Add(column);
    }

    internal FarColumn ColumnByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ThrowIfDisposed();
        if (_index.TryGetValue(name, out int i))
        {
            return _columns[i];
        }

        throw new KeyNotFoundException($"The frame has no column '{name}' (it has {string.Join(", ", _columns.Select(c => c.Name))}).");
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>
    /// A frame of some of this frame's columns that owns none of them (its Dispose frees nothing):
    /// for operators that should touch only those columns.
    /// </summary>
    private FarDataFrame View(string[] columns)
    {
        var view = new FarDataFrame(Context) { _isView = true };
        foreach (string name in columns)
        {
            FarColumn c = ColumnByName(name);
            view._index.Add(name, view._columns.Count);
            view._columns.Add(c);
        }

        return view;
    }

    /// <summary>A new frame of each column mapped through <paramref name="map"/>; everything built so far is freed if one fails.</summary>
    private FarDataFrame Derive(Func<ColumnData, ColumnData> map)
    {
        var result = new FarDataFrame(Context);
        try
        {
            foreach (FarColumn c in _columns)
            {
                result.AddData(c.Name, map(c.Data));
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private FarDataFrame? TryGatherFar(RemVector<long> indices)
    {
        var result = new FarDataFrame(Context);
        try
        {
            foreach (FarColumn c in _columns)
            {
                ColumnData? gathered = c.Data.GatherFar(indices);
                if (gathered == null)
                {
                    result.Dispose();
                    return null;
                }

                result.AddData(c.Name, gathered);
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Local filter: one pass over the mask, a chunk at a time, appending each column's selected rows.</summary>
    private FarDataFrame Select(ColumnData<byte> mask)
    {
        ColumnBuilder[] builders = [.. _columns.Select(c => c.Data.NewBuilder())];
        int[] offsets = ArrayPool<int>.Shared.Rent(Context.ChunkRows);
        try
        {
            using (var cursor = new ChunkCursor<byte>(mask))
            {
                while (cursor.MoveNext())
                {
                    Span<byte> m = cursor.Values;
                    int n = 0;
                    for (int i = 0; i < m.Length; i++)
                    {
                        if (m[i] != 0 && cursor.IsValid(i))
                        {
                            offsets[n++] = i;
                        }
                    }

                    if (n == 0)
                    {
                        continue;
                    }

                    for (int c = 0; c < builders.Length; c++)
                    {
                        _columns[c].Data.AppendSelected(builders[c], cursor.Start, m.Length, offsets.AsSpan(0, n));
                    }
                }
            }

            var result = new FarDataFrame(Context);
            for (int c = 0; c < builders.Length; c++)
            {
                result.AddData(_columns[c].Name, builders[c].Build());
            }

            return result;
        }
        catch
        {
            foreach (ColumnBuilder b in builders)
            {
                b.Dispose();
            }

            throw;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
        }
    }

    private static void ReadAsDouble(ColumnData data, long start, Span<double> values, Span<byte> valid)
    {
        int n = values.Length;
        switch (data)
        {
            case ColumnData<double> d:
                d.Values.Read(start, values);
                break;
            case ColumnData<long> d:
                {
                    long[] tmp = ArrayPool<long>.Shared.Rent(n);
                    d.Values.Read(start, tmp.AsSpan(0, n));
                    for (int i = 0; i < n; i++)
                    {
                        values[i] = tmp[i];
                    }

                    ArrayPool<long>.Shared.Return(tmp);
                    break;
                }

            case ColumnData<int> d:
                {
                    int[] tmp = ArrayPool<int>.Shared.Rent(n);
                    d.Values.Read(start, tmp.AsSpan(0, n));
                    for (int i = 0; i < n; i++)
                    {
                        values[i] = tmp[i];
                    }

                    ArrayPool<int>.Shared.Return(tmp);
                    break;
                }

            case ColumnData<byte> d:
                {
                    byte[] tmp = ArrayPool<byte>.Shared.Rent(n);
                    d.Values.Read(start, tmp.AsSpan(0, n));
                    for (int i = 0; i < n; i++)
                    {
                        values[i] = tmp[i];
                    }

                    ArrayPool<byte>.Shared.Return(tmp);
                    break;
                }
        }

        if (data.Validity != null)
        {
            data.Validity.Read(start, valid);
        }
        else
        {
            valid.Fill(1);
        }
    }
}
