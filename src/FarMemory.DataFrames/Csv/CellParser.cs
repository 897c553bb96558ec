using System.Globalization;
using System.Runtime.CompilerServices;
using FarMemory.DataFrames.Columns;

namespace FarMemory.DataFrames.Csv;

/// <summary>Parses and classifies cells without allocating: integers, numbers, ISO-8601 timestamps, true/false.</summary>
/// <remarks>
/// The parsers a load calls per cell are compiled fully optimized at once
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): a load is one long call, and tiered
/// compilation would run them unoptimized for its first few hundred milliseconds (a cold 1 M-row
/// load measured 0.8 s with, 1.0 s without).
/// </remarks>
internal static class CellParser
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryLong(ReadOnlySpan<char> s, out long value) =>
        TryShortInteger(s, out value) || long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>The common integer cell, <c>[-]digits</c> with at most 18 digits (no overflow possible), without the general parser.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryShortInteger(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        int i = Sign(s, out bool negative);

        if (s.Length == i || s.Length - i > 18)
        {
            return false;
        }

        long result = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9)
            {
                return false;
            }

            result = (result * 10) + d;
        }

        value = negative ? -result : result;
        return true;
    }

    public static bool TryInt(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryDouble(ReadOnlySpan<char> s, out double value) =>
        TryShortDecimal(s, out value) || double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Where the digits start: after a leading '-' (<paramref name="negative"/>) or '+', if any.</summary>
    private static int Sign(ReadOnlySpan<char> s, out bool negative)
    {
        negative = s.Length > 0 && s[0] == '-';
        return s.Length > 0 && (negative || s[0] == '+') ? 1 : 0;
    }

    /// <summary>Exact powers of ten a double holds (10^0 .. 10^22).</summary>
    private static ReadOnlySpan<double> PowersOfTen =>
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// The common cell, <c>[-]digits[.digits]</c> with at most 15 digits, without the general parser:
    /// the digits make an integer below 2^53 (exact in a double) and the scale a power of ten up to
    /// 10^15 (exact too), so one IEEE division gives the correctly rounded value, the same double
    /// <see cref="double.Parse(string)"/> gives (Clinger's fast path). Anything else (exponents, more
    /// digits, odd forms) returns false and takes the general parser.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryShortDecimal(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        int i = Sign(s, out bool negative);

        long mantissa = 0;
        int digits = 0;
        int scale = -1;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d <= 9)
            {
                if (++digits > 15)
                {
                    return false;
                }

                mantissa = (mantissa * 10) + d;
                if (scale >= 0)
                {
                    scale++;
                }
            }
            else if (s[i] == '.' && scale < 0)
            {
                scale = 0;
            }
            else
            {
                return false;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        double result = scale <= 0 ? mantissa : mantissa / PowersOfTen[scale];
        value = negative ? -result : result;
        return true;
    }

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
