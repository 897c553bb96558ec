namespace FarMemory.DataFrames.Columns;

/// <summary>A column's logical type; each has one physical store type (see <see cref="ColumnKinds"/>).</summary>
internal enum ColumnKind
{
    Int64,
    Double,
    Int32,
    Boolean,
    DateTime,
    String,
}
