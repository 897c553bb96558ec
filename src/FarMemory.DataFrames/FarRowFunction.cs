namespace FarMemory.DataFrames;

/// <summary>A function of one row's input values (in the order the columns were named), for <see cref="FarDataFrame.Compute"/>.</summary>
public delegate double FarRowFunction(ReadOnlySpan<double> row);
