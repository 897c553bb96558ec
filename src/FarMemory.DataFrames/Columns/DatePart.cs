namespace FarMemory.DataFrames.Columns;

internal enum DatePart
{
    Year,
    Month,
    Day,
    Hour,
    Minute,
    DayOfWeek,
}
