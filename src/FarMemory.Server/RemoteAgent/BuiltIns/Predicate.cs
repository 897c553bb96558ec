using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>
/// A decoded <c>FarPredicate</c> (tag bytes: 1 compare op i64 f64, 2 range i64 i64 f64 f64,
/// 3 and a b, 4 or a b, 5 not a), evaluated a chunk at a time into a 0/1 mask.
/// </summary>
internal sealed class Predicate
{
    private const int MaxNodes = 64;

    private readonly List<Node> _nodes = new();
    private readonly int _root;
    private byte[][] _scratch = [];

    private Predicate(ReadOnlySpan<byte> encoded)
    {
        int at = 0;
        _root = Parse(encoded, ref at, 0);
        if (at != encoded.Length)
        {
            throw new FarOperationArgumentException("The predicate has trailing bytes.");
        }
    }

    public static Predicate Decode(ReadOnlySpan<byte> encoded) => new(encoded);

    /// <summary>Sets <paramref name="mask"/>[i] to 1 where <paramref name="values"/>[i] satisfies the predicate, else 0.</summary>
    public void Evaluate<T>(ReadOnlySpan<T> values, Span<byte> mask)
        where T : unmanaged, INumber<T>
    {
        if (_scratch.Length < _nodes.Count)
        {
            _scratch = new byte[_nodes.Count][];
        }

        Eval(_root, values, mask[..values.Length]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Eval<T>(int index, ReadOnlySpan<T> values, Span<byte> mask)
        where T : unmanaged, INumber<T>
    {
        Node node = _nodes[index];
        switch (node.Tag)
        {
            case 1:
                Compare(node, values, mask);
                return;
            case 2:
                InRange(node, values, mask);
                return;
            case 5:
                Eval(node.A, values, mask);
                foreach (ref byte m in mask)
                {
                    m ^= 1;
                }

                return;
            default:
                Eval(node.A, values, mask);
                Span<byte> other = Scratch(index, mask.Length);
                Eval(node.B, values, other);
                if (node.Tag == 3)
                {
                    for (int i = 0; i < mask.Length; i++)
                    {
                        mask[i] &= other[i];
                    }
                }
                else
                {
                    for (int i = 0; i < mask.Length; i++)
                    {
                        mask[i] |= other[i];
                    }
                }

                return;
        }
    }

    private Span<byte> Scratch(int node, int length)
    {
        byte[]? buffer = _scratch[node];
        if (buffer == null || buffer.Length < length)
        {
            _scratch[node] = buffer = new byte[Math.Max(length, 4096)];
        }

        return buffer.AsSpan(0, length);
    }

    private static bool IsInteger<T>() => typeof(T) == typeof(int) || typeof(T) == typeof(long) || typeof(T) == typeof(byte);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compare<T>(Node node, ReadOnlySpan<T> values, Span<byte> mask)
        where T : unmanaged, INumber<T>
    {
        // Integers compare exactly with an integral constant; otherwise everything compares as double.
        if (IsInteger<T>() && (double)node.L1 == node.D1)
        {
            long c = node.L1;
            for (int i = 0; i < values.Length; i++)
            {
                long x = long.CreateTruncating(values[i]);
                mask[i] = Test(node.Op, x.CompareTo(c)) ? (byte)1 : (byte)0;
            }

            return;
        }

        double d = node.D1;
        for (int i = 0; i < values.Length; i++)
        {
            double x = double.CreateTruncating(values[i]);
            bool r = node.Op switch
            {
                0 => x < d,
                1 => x <= d,
                2 => x > d,
                3 => x >= d,
                4 => x == d,
                _ => x != d,
            };
            mask[i] = r ? (byte)1 : (byte)0;
        }
    }

    private static bool Test(byte op, int order) => op switch
    {
        0 => order < 0,
        1 => order <= 0,
        2 => order > 0,
        3 => order >= 0,
        4 => order == 0,
        _ => order != 0,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InRange<T>(Node node, ReadOnlySpan<T> values, Span<byte> mask)
        where T : unmanaged, INumber<T>
    {
        if (IsInteger<T>() && (double)node.L1 == node.D1 && (double)node.L2 == node.D2)
        {
            for (int i = 0; i < values.Length; i++)
            {
                long x = long.CreateTruncating(values[i]);
                mask[i] = x >= node.L1 && x < node.L2 ? (byte)1 : (byte)0;
            }

            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            double x = double.CreateTruncating(values[i]);
            mask[i] = x >= node.D1 && x < node.D2 ? (byte)1 : (byte)0;
        }
    }

    private int Parse(ReadOnlySpan<byte> s, ref int at, int depth)
    {
        if (_nodes.Count >= MaxNodes || depth > MaxNodes || at >= s.Length)
        {
            throw new FarOperationArgumentException("The predicate is malformed or has too many nodes.");
        }

        byte tag = s[at++];
        int index = _nodes.Count;
        _nodes.Add(default);
        Node node = new() { Tag = tag };
        switch (tag)
        {
            case 1:
                Need(s, at, 17);
                node.Op = s[at];
                if (node.Op > 5)
                {
                    throw new FarOperationArgumentException($"Unknown comparison {node.Op} in the predicate.");
                }

                node.L1 = BinaryPrimitives.ReadInt64LittleEndian(s[(at + 1)..]);
                node.D1 = BinaryPrimitives.ReadDoubleLittleEndian(s[(at + 9)..]);
                at += 17;
                break;
            case 2:
                Need(s, at, 32);
                node.L1 = BinaryPrimitives.ReadInt64LittleEndian(s[at..]);
                node.L2 = BinaryPrimitives.ReadInt64LittleEndian(s[(at + 8)..]);
                node.D1 = BinaryPrimitives.ReadDoubleLittleEndian(s[(at + 16)..]);
                node.D2 = BinaryPrimitives.ReadDoubleLittleEndian(s[(at + 24)..]);
                at += 32;
                break;
            case 3 or 4:
                node.A = Parse(s, ref at, depth + 1);
                node.B = Parse(s, ref at, depth + 1);
                break;
            case 5:
                node.A = Parse(s, ref at, depth + 1);
                break;
            default:
                throw new FarOperationArgumentException($"Unknown predicate node {tag}.");
        }

        _nodes[index] = node;
        return index;
    }

    private static void Need(ReadOnlySpan<byte> s, int at, int bytes)
    {
        if (at + bytes > s.Length)
        {
            throw new FarOperationArgumentException("The predicate is truncated.");
        }
    }

    private struct Node
    {
        public byte Tag;
        public byte Op;
        public int A;
        public int B;
        public long L1;
        public long L2;
        public double D1;
        public double D2;
    }
}
