namespace FarMemory.DataFrames;

/// <summary>A column asked for as a type it does not hold, or an operator the column's type does not have.</summary>
public sealed class FarColumnTypeException : FarMemoryException
{
    public FarColumnTypeException(string column, Type actual, string message)
        : base(message)
    {
        ColumnName = column;
        ActualType = actual;
    }

    public string ColumnName { get; }

    /// <summary>The type the column really holds.</summary>
    public Type ActualType { get; }
}
