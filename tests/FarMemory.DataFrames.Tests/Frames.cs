using Microsoft.Data.Analysis;

namespace FarMemory.DataFrames.Tests;

/// <summary>Equality of Microsoft.Data.Analysis frames: names, types and every value (doubles to a relative 1e-9).</summary>
internal static class Frames
{
    public static void AssertEqual(DataFrame expected, DataFrame actual)
    {
        Assert.Equal(expected.Columns.Select(c => c.Name), actual.Columns.Select(c => c.Name));
        Assert.Equal(expected.Rows.Count, actual.Rows.Count);
        for (int c = 0; c < expected.Columns.Count; c++)
        {
            DataFrameColumn e = expected.Columns[c];
            DataFrameColumn a = actual.Columns[c];
            for (long r = 0; r < e.Length; r++)
            {
                AssertValue(e[r], a[r], $"column {e.Name}, row {r}");
            }
        }
    }

    public static void AssertValue(object? expected, object? actual, string where)
    {
        if (expected is double or float && actual is double or float)
        {
            double x = Convert.ToDouble(expected);
            double y = Convert.ToDouble(actual);
            Assert.True(x.Equals(y) || Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x)), $"{where}: expected {x}, got {y}");
            return;
        }

        if (expected is IConvertible && actual is IConvertible && expected is not string && expected is not DateTime && expected is not bool)
        {
            Assert.True(Convert.ToDecimal(expected) == Convert.ToDecimal(actual), $"{where}: expected {expected}, got {actual}");
            return;
        }

        Assert.True(Equals(expected, actual), $"{where}: expected {expected ?? "null"}, got {actual ?? "null"}");
    }
}
