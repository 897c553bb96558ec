using FarMemory.DataFrames.Columns;

namespace FarMemory.DataFrames.Csv;

/// <summary>
/// One column being loaded: parses its cells into a builder of the column's current type. An
/// inferred type widens when a later cell does not fit (long to double, anything to string; the
/// values so far are converted once); a forced type (an option) never widens.
/// </summary>
internal sealed class CsvColumn : IDisposable
{
    private readonly FrameContext _context;
    private ColumnBuilder _builder;

    public CsvColumn(FrameContext context, ColumnKind kind, bool forced)
    {
        _context = context;
        Kind = kind;
        Forced = forced;
        _builder = BoxedColumns.NewBuilder(context, kind);
    }

    public ColumnKind Kind { get; private set; }

    public bool Forced { get; }

    /// <summary>Whether <paramref name="cell"/> parses as the forced type (empty is null, always fine).</summary>
    public bool Accepts(ReadOnlySpan<char> cell) => cell.IsEmpty || Kind switch
    {
        ColumnKind.Int64 => CellParser.TryLong(cell, out _),
        ColumnKind.Double => CellParser.TryDouble(cell, out _),
        ColumnKind.Int32 => CellParser.TryInt(cell, out _),
        ColumnKind.Boolean => CellParser.TryBool(cell, out _),
        ColumnKind.DateTime => CellParser.TryDateTime(cell, out _),
        _ => true,
    };

    /// <summary>Appends a cell; false (and nothing appended) when it does not parse as the forced type.</summary>
    public bool Add(ReadOnlySpan<char> cell)
    {
        if (cell.IsEmpty)
        {
            AppendNull();
            return true;
        }

        while (!TryAppend(cell))
        {
            if (Forced)
            {
                return false;
            }

            Widen(CellParser.Join(Kind, CellParser.Classify(cell)));
        }

        return true;
    }

    public void Unappend() => _builder.Unappend();

    public ColumnData Build() => _builder.Build();

    public void Dispose() => _builder.Dispose();

    private bool TryAppend(ReadOnlySpan<char> cell)
    {
        switch (Kind)
        {
            case ColumnKind.Int64:
                if (CellParser.TryLong(cell, out long l))
                {
                    ((ColumnBuilder<long>)_builder).Append(l);
                    return true;
                }

                return false;
            case ColumnKind.Double:
                if (CellParser.TryDouble(cell, out double d))
                {
                    ((ColumnBuilder<double>)_builder).Append(d);
                    return true;
                }

                return false;
            case ColumnKind.Int32:
                if (CellParser.TryInt(cell, out int i))
                {
                    ((ColumnBuilder<int>)_builder).Append(i);
                    return true;
                }

                return false;
            case ColumnKind.Boolean:
                if (CellParser.TryBool(cell, out bool b))
                {
                    ((ColumnBuilder<byte>)_builder).Append(b ? (byte)1 : (byte)0);
                    return true;
                }

                return false;
            case ColumnKind.DateTime:
                if (CellParser.TryDateTime(cell, out DateTime t))
                {
                    ((ColumnBuilder<long>)_builder).Append(t.Ticks);
                    return true;
                }

                return false;
            default:
                var s = (ColumnBuilder<int>)_builder;
                s.Append(s.Strings!.GetOrAdd(cell));
                return true;
        }
    }

    private void AppendNull()
    {
        switch (_builder)
        {
            case ColumnBuilder<long> b: b.AppendNull(); break;
            case ColumnBuilder<double> b: b.AppendNull(); break;
            case ColumnBuilder<int> b: b.AppendNull(); break;
            case ColumnBuilder<byte> b: b.AppendNull(); break;
        }
    }

    private void Widen(ColumnKind kind)
    {
        if (Forced || kind == Kind)
        {
            throw new InvalidOperationException("Internal: a forced or unchanged column type cannot widen.");
        }

        using ColumnData old = _builder.Build();
        ColumnBuilder wider = BoxedColumns.NewBuilder(_context, kind);
        try
        {
            BoxedColumns.ForEach(old, (_, v) => BoxedColumns.Append(wider, kind, kind == ColumnKind.String && v != null ? FarDataFrame.Format(v) : v));
        }
        catch
        {
            wider.Dispose();
            throw;
        }

        _builder = wider;
        Kind = kind;
    }
}
