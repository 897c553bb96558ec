namespace FarMemory.DataFrames;

/// <summary>An input file that is not a well-formed table: names the file, the line and the column (both 1-based) where it goes wrong.</summary>
public sealed class FarDataFrameFormatException : FarMemoryException
{
    public FarDataFrameFormatException(string file, long line, int column, string reason)
        : base($"{file}, line {line}, column {column}: {reason}")
    {
        File = file;
        Line = line;
        Column = column;
        Reason = reason;
    }

    public string File { get; }

    public long Line { get; }

    public int Column { get; }

    public string Reason { get; }
}
