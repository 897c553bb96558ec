using FarMemory.DataFrames.Columns;
using Parquet;
using Parquet.Schema;

namespace FarMemory.DataFrames;

public sealed partial class FarDataFrame
{
    /// <summary>Rows per row group that <see cref="SaveParquetAsync(Stream, CancellationToken)"/> writes.</summary>
    public const int ParquetRowGroupRows = 1 << 16;

    /// <summary>Loads a Parquet file (see <see cref="LoadParquetAsync(FarMemoryRuntime, Stream, FarDataFrameOptions?, IProgress{FarLoadProgress}?, CancellationToken)"/>).</summary>
    public static FarDataFrame LoadParquet(FarMemoryRuntime runtime, string path, FarDataFrameOptions? options = null) =>
        Task.Run(() => LoadParquetAsync(runtime, path, options)).GetAwaiter().GetResult();

    public static async Task<FarDataFrame> LoadParquetAsync(FarMemoryRuntime runtime, string path, FarDataFrameOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        await using FileStream stream = File.OpenRead(path);
        return await LoadParquetAsync(runtime, stream, options, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads Parquet one row group at a time: each column of a group is read with Parquet.Net and
    /// appended to far memory before the next group is read, so the local footprint is one row
    /// group plus the budget. Integers of 64 bits are long, of 32 bits or fewer int; floats double;
    /// bool, timestamps (DateTime) and strings keep their types; nulls stay nulls.
    /// </summary>
    public static async Task<FarDataFrame> LoadParquetAsync(
        FarMemoryRuntime runtime, Stream stream, FarDataFrameOptions? options = null, IProgress<FarLoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(stream);
        var context = new FrameContext(runtime, options ?? new FarDataFrameOptions());
        await using ParquetReader reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        DataField[] fields = reader.Schema.GetDataFields();
        ColumnKind[] kinds = [.. fields.Select(f => KindOf(f.ClrType))];
        ColumnBuilder[] builders = [.. kinds.Select(k => BoxedColumns.NewBuilder(context, k))];
        var frame = new FarDataFrame(context);
        try
        {
            long rows = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
                int n = checked((int)group.RowCount);
                for (int c = 0; c < fields.Length; c++)
                {
                    await ReadFieldAsync(group, fields[c], kinds[c], builders[c], n, cancellationToken).ConfigureAwait(false);
                }

                rows += n;
                progress?.Report(new FarLoadProgress(stream.CanSeek ? stream.Position : 0, rows, stream.CanSeek ? stream.Length : 0));
            }

            for (int c = 0; c < fields.Length; c++)
            {
                frame.AddData(fields[c].Name, builders[c].Build());
            }

            return frame;
        }
        catch
        {
            foreach (ColumnBuilder b in builders)
            {
                b.Dispose();
            }

            frame.Dispose();
            throw;
        }
    }

    /// <summary>Writes the frame as Parquet (see <see cref="SaveParquetAsync(Stream, CancellationToken)"/>).</summary>
    public void SaveParquet(string path) => Task.Run(async () =>
    {
        await using FileStream stream = File.Create(path);
        await SaveParquetAsync(stream).ConfigureAwait(false);
    }).GetAwaiter().GetResult();

    /// <summary>Writes the frame as Parquet, <see cref="ParquetRowGroupRows"/> rows per row group, every column nullable.</summary>
    public async Task SaveParquetAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfDisposed();
        DataField[] fields = [.. _columns.Select(c => FieldOf(c.Name, c.Data.Kind))];
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (long start = 0; start < RowCount; start += ParquetRowGroupRows)
        {
            int n = (int)Math.Min(ParquetRowGroupRows, RowCount - start);
            using ParquetRowGroupWriter group = writer.CreateRowGroup();
            for (int c = 0; c < _columns.Count; c++)
            {
                object?[] values = new object?[n];
                ColumnBuilder copy = _columns[c].Data.NewBuilder();
                _columns[c].Data.AppendRange(copy, start, n);
                using (ColumnData part = copy.Build())
                {
                    BoxedColumns.ForEach(part, (row, v) => values[row] = v);
                }

                switch (_columns[c].Data.Kind)
                {
                    case ColumnKind.Int64: await group.WriteAsync<long>(fields[c], values.Select(v => (long?)v).ToArray()).ConfigureAwait(false); break;
                    case ColumnKind.Double: await group.WriteAsync<double>(fields[c], values.Select(v => (double?)v).ToArray()).ConfigureAwait(false); break;
                    case ColumnKind.Int32: await group.WriteAsync<int>(fields[c], values.Select(v => (int?)v).ToArray()).ConfigureAwait(false); break;
                    case ColumnKind.Boolean: await group.WriteAsync<bool>(fields[c], values.Select(v => (bool?)v).ToArray()).ConfigureAwait(false); break;
                    case ColumnKind.DateTime: await group.WriteAsync<DateTime>(fields[c], values.Select(v => (DateTime?)v).ToArray()).ConfigureAwait(false); break;
                    default: await group.WriteAsync(fields[c], values.Select(v => (string)v!).ToArray()).ConfigureAwait(false); break;
                }
            }
        }
    }

    private static DataField FieldOf(string name, ColumnKind kind) => kind switch
    {
        ColumnKind.Int64 => new DataField<long?>(name),
        ColumnKind.Double => new DataField<double?>(name),
        ColumnKind.Int32 => new DataField<int?>(name),
        ColumnKind.Boolean => new DataField<bool?>(name),
        ColumnKind.DateTime => new DataField<DateTime?>(name),
        _ => new DataField<string>(name),
    };

    private static ColumnKind KindOf(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t == typeof(long) || t == typeof(ulong) || t == typeof(uint) ? ColumnKind.Int64
            : t == typeof(int) || t == typeof(short) || t == typeof(ushort) || t == typeof(byte) || t == typeof(sbyte) ? ColumnKind.Int32
            : t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? ColumnKind.Double
            : t == typeof(bool) ? ColumnKind.Boolean
            : t == typeof(DateTime) || t == typeof(DateTimeOffset) ? ColumnKind.DateTime
            : ColumnKind.String;
    }

    private static async Task ReadFieldAsync(ParquetRowGroupReader group, DataField field, ColumnKind kind, ColumnBuilder builder, int n, CancellationToken cancellationToken)
    {
        Type t = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            string?[] values = new string?[n];
            await group.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            foreach (string? v in values)
            {
                BoxedColumns.Append(builder, kind, v);
            }

            return;
        }

        IEnumerable<object?> boxed = t == typeof(long) ? await ReadAsync<long>(group, field, n, cancellationToken).ConfigureAwait(false)
            : t == typeof(int) ? await ReadAsync<int>(group, field, n, cancellationToken).ConfigureAwait(false)
            : t == typeof(short) ? await ReadAsync<short>(group, field, n, cancellationToken).ConfigureAwait(false)
            : t == typeof(byte) ? await ReadAsync<byte>(group, field, n, cancellationToken).ConfigureAwait(false)
            : t == typeof(double) ? await ReadAsync<double>(group, field, n, cancellationToken).ConfigureAwait(false)
            : t == typeof(float) ? await ReadAsync<float>(group, field, n, cancellationToken).ConfigureAwait(false)
            : t == typeof(bool) ? await ReadAsync<bool>(group, field, n, cancellationToken).ConfigureAwait(false)
            : t == typeof(DateTime) ? await ReadAsync<DateTime>(group, field, n, cancellationToken).ConfigureAwait(false)
            : t == typeof(DateTimeOffset) ? (await ReadAsync<DateTimeOffset>(group, field, n, cancellationToken).ConfigureAwait(false)).Select(v => v == null ? null : (object)((DateTimeOffset)v).DateTime)
            : throw new NotSupportedException($"The Parquet column '{field.Name}' has type {t}, which frames do not hold.");
        foreach (object? v in boxed)
        {
            BoxedColumns.Append(builder, kind, v is DateTime d ? DateTime.SpecifyKind(d, DateTimeKind.Unspecified) : v);
        }
    }

    private static async Task<IEnumerable<object?>> ReadAsync<T>(ParquetRowGroupReader group, DataField field, int n, CancellationToken cancellationToken)
        where T : struct
    {
        if (field.IsNullable)
        {
            T?[] values = new T?[n];
            await group.ReadAsync<T>(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return values.Select(v => v.HasValue ? (object?)v.Value : null);
        }

        T[] plain = new T[n];
        await group.ReadAsync<T>(field, plain.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        return plain.Select(v => (object?)v);
    }
}
