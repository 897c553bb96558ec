using System.Globalization;
using FarMemory.DataFrames.Columns;

namespace FarMemory.DataFrames.Csv;

/// <summary>Parses and classifies cells without allocating: integers, numbers, ISO-8601 timestamps, true/false.</summary>
internal static class CellParser
{
    public static bool TryLong(ReadOnlySpan<char> s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryInt(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryDouble(ReadOnlySpan<char> s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    public static bool TryBool(ReadOnlySpan<char> s, out bool value)
    {
        if (s.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            value = true;
            return true;
        }

        value = false;
        return s.Equals("false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// <c>yyyy-MM-dd</c>, optionally followed by <c>T</c> or a space and <c>HH:mm</c>,
    /// <c>HH:mm:ss</c> or <c>HH:mm:ss.f…</c> (up to 7 digits), optionally ending in <c>Z</c>.
    /// </summary>
    public static bool TryDateTime(ReadOnlySpan<char> s, out DateTime value)
    {
        value = default;
        if (s.Length < 10 || s[4] != '-' || s[7] != '-'
            || !Digits(s, 0, 4, out int year) || !Digits(s, 5, 2, out int month) || !Digits(s, 8, 2, out int day)
            || month is < 1 or > 12 || day < 1 || year < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        long ticks = new DateTime(year, month, day).Ticks;
        if (s.Length > 10 && s[^1] == 'Z')
        {
            s = s[..^1];
        }

        if (s.Length == 10)
        {
            value = new DateTime(ticks);
            return true;
        }

        if ((s[10] != 'T' && s[10] != ' ') || s.Length < 16 || s[13] != ':'
            || !Digits(s, 11, 2, out int hour) || !Digits(s, 14, 2, out int minute) || hour > 23 || minute > 59)
        {
            return false;
        }

        ticks += (hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute);
        if (s.Length > 16)
        {
            if (s.Length < 19 || s[16] != ':' || !Digits(s, 17, 2, out int second) || second > 59)
            {
                return false;
            }

            ticks += second * TimeSpan.TicksPerSecond;
            if (s.Length > 19)
            {
                int digits = s.Length - 20;
                if (s[19] != '.' || digits is < 1 or > 7 || !Digits(s, 20, digits, out int fraction))
                {
                    return false;
                }

                for (int i = digits; i < 7; i++)
                {
                    fraction *= 10;
                }

                ticks += fraction;
            }
        }

        value = new DateTime(ticks);
        return true;
    }

    /// <summary>The narrowest type that holds <paramref name="s"/>: long, then double, DateTime, bool, else string.</summary>
    public static ColumnKind Classify(ReadOnlySpan<char> s) =>
        TryLong(s, out _) ? ColumnKind.Int64
        : TryDouble(s, out _) ? ColumnKind.Double
        : TryDateTime(s, out _) ? ColumnKind.DateTime
        : TryBool(s, out _) ? ColumnKind.Boolean
        : ColumnKind.String;

    /// <summary>The type that holds values of both kinds: long and double make double; anything else mixed makes string.</summary>
    public static ColumnKind Join(ColumnKind a, ColumnKind b) =>
        a == b ? a
        : (a, b) is (ColumnKind.Int64, ColumnKind.Double) or (ColumnKind.Double, ColumnKind.Int64) ? ColumnKind.Double
        : ColumnKind.String;

    private static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            int d = s[i] - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }
}
