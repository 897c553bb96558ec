using System.Globalization;
using CsCheck;
using FarMemory.DataFrames.Csv;

namespace FarMemory.DataFrames.Tests;

public class CellParserTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-0.0")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("+2.25")]
    [InlineData("-73.988141")]
    [InlineData("40.756403")]
    [InlineData("0.1")]
    [InlineData("0.30000000000000004")]
    [InlineData("123456789012345")]
    [InlineData("1234567890123456")]
    [InlineData("9007199254740993")]
    [InlineData("0.000000000000001")]
    [InlineData("1e5")]
    [InlineData("-1.5E-3")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void AShortDecimalParsesToTheSameDoubleAsTheGeneralParser(string cell)
    {
        Assert.True(CellParser.TryDouble(cell, out double value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("-")]
    [InlineData("1.2.3")]
    [InlineData("12a")]
    [InlineData("--1")]
    public void NotANumberIsRefused(string cell) => Assert.False(CellParser.TryDouble(cell, out _));

    [Fact]
    public void DecimalsOfEveryLengthMatchTheGeneralParser()
    {
        // Digits before and after the point, a sign, now and then an exponent: the fast path and
        // the fallback together must give exactly double.Parse's value, bit for bit.
        Gen<string> whole = Gen.Char['0', '9'].Array[1, 12].Select(c => new string(c));
        Gen<string> fraction = Gen.Char['0', '9'].Array[0, 12].Select(c => new string(c));
        Gen.Select(Gen.OneOf("", "-", "+"), whole, Gen.Bool, fraction, Gen.Int[0, 9], (sign, w, point, f, e) =>
            sign + w + (point ? "." + f : "") + (e == 9 ? "e-7" : ""))
            .Sample(cell =>
            {
                Assert.True(CellParser.TryDouble(cell, out double value), cell);
                Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
            }, iter: 20_000);
    }
}
