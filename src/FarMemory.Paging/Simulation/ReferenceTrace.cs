using System.Globalization;

namespace FarMemory.Paging.Simulation;

/// <summary>
/// A sequence of page (or object) references, each a read or a write. Page numbers are arbitrary
/// non-negative longs; the simulator renumbers them densely once, so sparse traces cost nothing.
/// </summary>
/// <remarks>
/// Text format, one reference per line: the page number, optionally followed by <c>w</c> (write) or
/// <c>r</c> (read, the default). Blank lines and lines starting with <c>#</c> are skipped. This is the
/// format <c>FarMemory.Bench eviction --trace FILE</c> reads.
/// </remarks>
public sealed class ReferenceTrace
{
    private int[]? _denseIds;
    private int _distinct;

    public ReferenceTrace(long[] pages, bool[]? writes = null, string name = "trace")
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(name);
        if (writes != null && writes.Length != pages.Length)
        {
            throw new ArgumentException($"The trace has {pages.Length} pages but {writes.Length} write flags.", nameof(writes));
        }

        for (int i = 0; i < pages.Length; i++)
        {
            if (pages[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(pages), pages[i], $"Reference {i} names a negative page.");
            }
        }

        Pages = pages;
        Writes = writes;
        Name = name;
    }

    /// <summary>Describes how the trace was made, for reports.</summary>
    public string Name { get; }

    public long[] Pages { get; }

    /// <summary>Write flag per reference, or null when every reference is a read.</summary>
    public bool[]? Writes { get; }

    public int Count => Pages.Length;

    /// <summary>Number of different pages referenced.</summary>
    public int DistinctPages
    {
        get
        {
            _ = DenseIds;
            return _distinct;
        }
    }

    /// <summary>Pages renumbered 0..DistinctPages-1 in order of first reference.</summary>
    internal int[] DenseIds
    {
        get
        {
            if (_denseIds == null)
            {
                var ids = new Dictionary<long, int>();
                var dense = new int[Pages.Length];
                for (int i = 0; i < Pages.Length; i++)
                {
                    if (!ids.TryGetValue(Pages[i], out int id))
                    {
                        id = ids.Count;
                        ids.Add(Pages[i], id);
                    }

                    dense[i] = id;
                }

                _distinct = ids.Count;
                _denseIds = dense;
            }

            return _denseIds;
        }
    }

    public bool IsWrite(int index) => Writes != null && Writes[index];

    /// <summary>A read-only trace from page numbers, for hand-made strings.</summary>
    public static ReferenceTrace Of(params long[] pages) => new(pages, null, "hand-made");

    /// <summary>Reads a trace file in the text format described on the class.</summary>
    public static ReferenceTrace Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path);
        return Parse(reader, Path.GetFileName(path));
    }

    /// <summary>Parses the text format; a malformed line throws <see cref="FormatException"/> naming it.</summary>
    public static ReferenceTrace Parse(TextReader reader, string name = "trace")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var pages = new List<long>();
        var writes = new List<bool>();
        bool anyWrite = false;
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            ReadOnlySpan<char> text = line.AsSpan().Trim();
            if (text.IsEmpty || text[0] == '#')
            {
                continue;
            }

            int space = text.IndexOfAny(' ', '\t');
            ReadOnlySpan<char> number = space < 0 ? text : text[..space];
            ReadOnlySpan<char> kind = space < 0 ? default : text[(space + 1)..].Trim();
            if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long page))
            {
                throw new FormatException($"Line {lineNumber} of {name}: '{line}' does not start with a non-negative page number.");
            }

            bool write;
            if (kind.IsEmpty || kind.Equals("r", StringComparison.OrdinalIgnoreCase))
            {
                write = false;
            }
            else if (kind.Equals("w", StringComparison.OrdinalIgnoreCase))
            {
                write = true;
            }
            else
            {
                throw new FormatException($"Line {lineNumber} of {name}: '{line}' has '{kind}' where 'r' or 'w' was expected.");
            }

            pages.Add(page);
            writes.Add(write);
            anyWrite |= write;
        }

        return new ReferenceTrace(pages.ToArray(), anyWrite ? writes.ToArray() : null, name);
    }

    /// <summary>Writes the trace in the text format.</summary>
    public void Save(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        for (int i = 0; i < Pages.Length; i++)
        {
            writer.Write(Pages[i].ToString(CultureInfo.InvariantCulture));
            writer.WriteLine(IsWrite(i) ? " w" : string.Empty);
        }
    }

    public override string ToString() => $"{Name} ({Count} references, {DistinctPages} pages)";
}
