namespace FarMemory.DataFrames.Columns;

/// <summary>Columns to and from boxed values: for small results (value counts, descriptions), interop and printing; scans never box.</summary>
internal static class BoxedColumns
{
    public static ColumnBuilder NewBuilder(FrameContext context, ColumnKind kind) => kind switch
    {
        ColumnKind.Int64 or ColumnKind.DateTime => new ColumnBuilder<long>(context, kind, null),
        ColumnKind.Double => new ColumnBuilder<double>(context, kind, null),
        ColumnKind.Int32 => new ColumnBuilder<int>(context, kind, null),
        ColumnKind.Boolean => new ColumnBuilder<byte>(context, kind, null),
        _ => new ColumnBuilder<int>(context, kind, new StringDictionary()),
    };

    /// <summary>Appends one boxed value of the builder's kind (null for a null).</summary>
    public static void Append(ColumnBuilder builder, ColumnKind kind, object? value)
    {
        if (value == null || value is DBNull)
        {
            switch (builder)
            {
                case ColumnBuilder<long> b: b.AppendNull(); break;
                case ColumnBuilder<double> b: b.AppendNull(); break;
                case ColumnBuilder<int> b: b.AppendNull(); break;
                case ColumnBuilder<byte> b: b.AppendNull(); break;
            }

            return;
        }

        switch (kind)
        {
            case ColumnKind.Int64: ((ColumnBuilder<long>)builder).Append(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case ColumnKind.DateTime: ((ColumnBuilder<long>)builder).Append(((DateTime)value).Ticks); break;
            case ColumnKind.Double: ((ColumnBuilder<double>)builder).Append(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case ColumnKind.Int32: ((ColumnBuilder<int>)builder).Append(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case ColumnKind.Boolean: ((ColumnBuilder<byte>)builder).Append((bool)value ? (byte)1 : (byte)0); break;
            default:
                var s = (ColumnBuilder<int>)builder;
                s.Append(s.Strings!.GetOrAdd(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)));
                break;
        }
    }

    public static ColumnData Build(FrameContext context, ColumnKind kind, IEnumerable<object?> values)
    {
        ColumnBuilder builder = NewBuilder(context, kind);
        try
        {
            foreach (object? v in values)
            {
                Append(builder, kind, v);
            }

            return builder.Build();
        }
        catch
        {
            builder.Dispose();
            throw;
        }
    }

    /// <summary>Calls <paramref name="visit"/> with each row and its boxed value (null for a null), a chunk at a time.</summary>
    public static void ForEach(ColumnData data, Action<long, object?> visit)
    {
        switch (data)
        {
            case ColumnData<long> d when d.Kind == ColumnKind.DateTime: Visit(d, visit, v => new DateTime(v)); break;
            case ColumnData<long> d: Visit(d, visit, v => v); break;
            case ColumnData<double> d: Visit(d, visit, v => v); break;
            case ColumnData<int> d when d.Kind == ColumnKind.String: Visit(d, visit, v => d.Strings![v]); break;
            case ColumnData<int> d: Visit(d, visit, v => v); break;
            case ColumnData<byte> d: Visit(d, visit, v => v != 0); break;
        }
    }

    private static void Visit<TStore>(ColumnData<TStore> data, Action<long, object?> visit, Func<TStore, object> box)
        where TStore : unmanaged, System.Numerics.INumber<TStore>
    {
        using var cursor = new ChunkCursor<TStore>(data);
        while (cursor.MoveNext())
        {
            Span<TStore> values = cursor.Values;
            for (int i = 0; i < values.Length; i++)
            {
                visit(cursor.Start + i, cursor.IsValid(i) ? box(values[i]) : null);
            }
        }
    }
}
