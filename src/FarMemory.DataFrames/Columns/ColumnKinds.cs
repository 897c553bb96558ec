namespace FarMemory.DataFrames.Columns;

/// <summary>
/// Logical types and how they are stored: long, double and int as themselves, bool as a byte,
/// DateTime as its ticks (a long), string as an int code into the column's dictionary.
/// </summary>
internal static class ColumnKinds
{
    public static ColumnKind Of<T>() => Of(typeof(T));

    public static ColumnKind Of(Type type) =>
        type == typeof(long) ? ColumnKind.Int64
        : type == typeof(double) ? ColumnKind.Double
        : type == typeof(int) ? ColumnKind.Int32
        : type == typeof(bool) ? ColumnKind.Boolean
        : type == typeof(DateTime) ? ColumnKind.DateTime
        : type == typeof(string) ? ColumnKind.String
        : throw new NotSupportedException($"Columns hold long, double, int, bool, DateTime or string values, not {type}.");

    public static Type TypeOf(ColumnKind kind) => kind switch
    {
        ColumnKind.Int64 => typeof(long),
        ColumnKind.Double => typeof(double),
        ColumnKind.Int32 => typeof(int),
        ColumnKind.Boolean => typeof(bool),
        ColumnKind.DateTime => typeof(DateTime),
        _ => typeof(string),
    };

    public static bool IsNumeric(ColumnKind kind) => kind is ColumnKind.Int64 or ColumnKind.Double or ColumnKind.Int32;
}
