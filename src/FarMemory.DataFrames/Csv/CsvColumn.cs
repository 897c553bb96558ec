using System.Runtime.CompilerServices;
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

    // The builder by its stored type, so a cell costs no cast (one of them is the builder).
    private ColumnBuilder<long>? _longs;
    private ColumnBuilder<double>? _doubles;
    private ColumnBuilder<int>? _ints;
    private ColumnBuilder<byte>? _bytes;

    public CsvColumn(FrameContext context, ColumnKind kind, bool forced)
    {
        _context = context;
        Kind = kind;
        Forced = forced;
        _builder = BoxedColumns.NewBuilder(context, kind);
        Typed();
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// Parses a non-empty cell of a numeric, timestamp or bool column into the 64 bits
    /// <see cref="AppendParsed"/> takes (a double's bits, ticks, an int or 0/1); false when it does not parse.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParse(ColumnKind kind, ReadOnlySpan<char> cell, out long raw)
    {
        bool ok;
        switch (kind)
        {
            case ColumnKind.Int64:
                ok = CellParser.TryLong(cell, out raw);
                return ok;
            case ColumnKind.Double:
                ok = CellParser.TryDouble(cell, out double d);
                raw = BitConverter.DoubleToInt64Bits(d);
                return ok;
            case ColumnKind.Int32:
                ok = CellParser.TryInt(cell, out int i);
                raw = i;
                return ok;
            case ColumnKind.Boolean:
                ok = CellParser.TryBool(cell, out bool b);
                raw = b ? 1 : 0;
                return ok;
            case ColumnKind.DateTime:
                ok = CellParser.TryDateTime(cell, out DateTime t);
                raw = t.Ticks;
                return ok;
            default:
                raw = 0;
                return false;
        }
    }

    /// <summary>Appends values <see cref="TryParse"/> made for this column's type (a zero in <paramref name="valid"/>: a null).</summary>
    public void AppendParsed(ReadOnlySpan<long> raw, ReadOnlySpan<byte> valid)
    {
        switch (Kind)
        {
            case ColumnKind.Int64 or ColumnKind.DateTime:
                _longs!.AppendRange(raw, valid);
                break;
            case ColumnKind.Double:
                _doubles!.AppendRange(System.Runtime.InteropServices.MemoryMarshal.Cast<long, double>(raw), valid);
                break;
            case ColumnKind.Int32:
                AppendNarrowed(_ints!, raw, valid);
                break;
            case ColumnKind.Boolean:
                AppendNarrowed(_bytes!, raw, valid);
                break;
            default:
                throw new InvalidOperationException("Internal: a string column takes its cells, not parsed values.");
        }
    }

    /// <summary>Appends the 64-bit parsed values to a narrower builder (ints, bools as bytes).</summary>
    private static void AppendNarrowed<TStore>(ColumnBuilder<TStore> builder, ReadOnlySpan<long> raw, ReadOnlySpan<byte> valid)
        where TStore : unmanaged, System.Numerics.INumber<TStore>
    {
        for (int i = 0; i < raw.Length; i++)
        {
            if (valid[i] != 0)
            {
                builder.Append(TStore.CreateTruncating(raw[i]));
            }
            else
            {
                builder.AppendNull();
            }
        }
    }

    public void Unappend() => _builder.Unappend();

    public ColumnData Build() => _builder.Build();

    public void Dispose() => _builder.Dispose();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryAppend(ReadOnlySpan<char> cell)
    {
        if (Kind == ColumnKind.String)
        {
            _ints!.Append(_ints.Strings!.GetOrAdd(cell));
            return true;
        }

        if (!TryParse(Kind, cell, out long raw))
        {
            return false;
        }

        switch (Kind)
        {
            case ColumnKind.Int64 or ColumnKind.DateTime: _longs!.Append(raw); break;
            case ColumnKind.Double: _doubles!.Append(BitConverter.Int64BitsToDouble(raw)); break;
            case ColumnKind.Int32: _ints!.Append((int)raw); break;
            default: _bytes!.Append((byte)raw); break;
        }

        return true;
    }

    private void Typed()
    {
        _longs = _builder as ColumnBuilder<long>;
        _doubles = _builder as ColumnBuilder<double>;
        _ints = _builder as ColumnBuilder<int>;
        _bytes = _builder as ColumnBuilder<byte>;
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
        Typed();
    }
}
