namespace FarMemory.DataFrames.Columns;

/// <summary>Builds a new column a chunk at a time (see <see cref="ColumnBuilder{TStore}"/>); disposing an unfinished builder frees what it stored.</summary>
internal abstract class ColumnBuilder : IDisposable
{
    public abstract long Length { get; }

    public abstract ColumnData Build();

    /// <summary>Takes back the last value appended.</summary>
    public abstract void Unappend();

    public abstract void Dispose();
}
