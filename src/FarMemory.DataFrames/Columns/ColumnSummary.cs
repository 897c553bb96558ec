namespace FarMemory.DataFrames.Columns;

/// <summary>Non-null count, sums (exact for integers) and extremes of a column, as doubles and as longs.</summary>
internal readonly record struct ColumnSummary(long Count, double Sum, long IntegerSum, double Min, double Max, long IntegerMin, long IntegerMax);
