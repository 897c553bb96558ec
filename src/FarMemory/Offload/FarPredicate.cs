using System.Buffers.Binary;

namespace FarMemory.Offload;

/// <summary>
/// A condition on one element, given as data (never a delegate), that the server evaluates next to
/// the data: comparisons with a constant, half-open ranges, and their And/Or/Not. Constants are
/// compared in the vector's own type (integers exactly, floats as doubles).
/// </summary>
/// <example><c>FarPredicate.GreaterThan(60).And(FarPredicate.LessThan(600))</c></example>
public sealed class FarPredicate
{
    /// <summary>Most nodes in one predicate: deep enough for real filters, small enough to bound the server's work.</summary>
    public const int MaxNodes = 64;

    private readonly byte[] _encoded;
    private readonly int _nodes;

    private FarPredicate(byte[] encoded, int nodes)
    {
        if (nodes > MaxNodes)
        {
            throw new ArgumentException($"A predicate has at most {MaxNodes} nodes.");
        }

        _encoded = encoded;
        _nodes = nodes;
    }

    internal enum Tag : byte
    {
        Compare = 1,
        Range = 2,
        And = 3,
        Or = 4,
        Not = 5,
    }

    internal enum Comparison : byte
    {
        Less = 0,
        LessOrEqual = 1,
        Greater = 2,
        GreaterOrEqual = 3,
        Equal = 4,
        NotEqual = 5,
    }

    public static FarPredicate LessThan(double value) => Compare(Comparison.Less, value);

    public static FarPredicate LessThanOrEqual(double value) => Compare(Comparison.LessOrEqual, value);

    public static FarPredicate GreaterThan(double value) => Compare(Comparison.Greater, value);

    public static FarPredicate GreaterThanOrEqual(double value) => Compare(Comparison.GreaterOrEqual, value);

    public static FarPredicate EqualTo(double value) => Compare(Comparison.Equal, value);

    public static FarPredicate NotEqualTo(double value) => Compare(Comparison.NotEqual, value);

    public static FarPredicate LessThan(long value) => Compare(Comparison.Less, value);

    public static FarPredicate LessThanOrEqual(long value) => Compare(Comparison.LessOrEqual, value);

    public static FarPredicate GreaterThan(long value) => Compare(Comparison.Greater, value);

    public static FarPredicate GreaterThanOrEqual(long value) => Compare(Comparison.GreaterOrEqual, value);

    public static FarPredicate EqualTo(long value) => Compare(Comparison.Equal, value);

    public static FarPredicate NotEqualTo(long value) => Compare(Comparison.NotEqual, value);

    /// <summary><paramref name="lower"/> &lt;= x &lt; <paramref name="upper"/>.</summary>
    public static FarPredicate InRange(long lower, long upper) => Range(lower, upper, lower, upper);

    /// <summary><paramref name="lower"/> &lt;= x &lt; <paramref name="upper"/>.</summary>
    public static FarPredicate InRange(double lower, double upper) => Range(ToLong(lower), ToLong(upper), lower, upper);

    public FarPredicate And(FarPredicate other) => Combine(Tag.And, this, other);

    public FarPredicate Or(FarPredicate other) => Combine(Tag.Or, this, other);

    public FarPredicate Not() => new([(byte)Tag.Not, .. _encoded], _nodes + 1);

    /// <summary>The wire form, passed as a <see cref="FarArgumentType.Bytes"/> argument.</summary>
    public ReadOnlySpan<byte> Encoded => _encoded;

    private static FarPredicate Compare(Comparison op, long value) => Compare(op, value, value);

    private static FarPredicate Compare(Comparison op, double value) => Compare(op, ToLong(value), value);

    private static FarPredicate Compare(Comparison op, long asLong, double asDouble)
    {
        byte[] bytes = new byte[18];
        bytes[0] = (byte)Tag.Compare;
        bytes[1] = (byte)op;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(2), asLong);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(10), asDouble);
        return new FarPredicate(bytes, 1);
    }

    private static FarPredicate Range(long lowerLong, long upperLong, double lower, double upper)
    {
        byte[] bytes = new byte[33];
        bytes[0] = (byte)Tag.Range;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(1), lowerLong);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(9), upperLong);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(17), lower);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(25), upper);
        return new FarPredicate(bytes, 1);
    }

    private static FarPredicate Combine(Tag tag, FarPredicate a, FarPredicate b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return new([(byte)tag, .. a._encoded, .. b._encoded], a._nodes + b._nodes + 1);
    }

    /// <summary>
    /// An integer constant for a double bound, chosen so integer comparisons agree with comparing
    /// the integer as a double: x &gt; 2.5 is x &gt; 2 for integers only if rounded the right way, so
    /// the server compares integer vectors with the double constant when it is not integral.
    /// </summary>
    private static long ToLong(double value) =>
        double.IsNaN(value) ? 0 : value >= long.MaxValue ? long.MaxValue : value <= long.MinValue ? long.MinValue : (long)value;
}
