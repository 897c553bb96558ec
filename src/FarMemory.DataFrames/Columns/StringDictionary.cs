namespace FarMemory.DataFrames.Columns;

/// <summary>
/// The distinct strings of a dictionary-encoded column, local (a column's cardinality is small
/// next to its rows); the rows hold int codes in far memory. Lookups by span allocate nothing.
/// </summary>
internal sealed class StringDictionary
{
    private readonly List<string> _values = [];
    private readonly Dictionary<string, int> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringDictionary() => _lookup = _codes.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _values.Count;

    public string this[int code] => _values[code];

    public int GetOrAdd(ReadOnlySpan<char> value)
    {
        if (_lookup.TryGetValue(value, out int code))
        {
            return code;
        }

        code = _values.Count;
        string s = value.ToString();
        _values.Add(s);
        _codes.Add(s, code);
        return code;
    }

    public bool TryGetCode(string value, out int code) => _codes.TryGetValue(value, out code);

    /// <summary>Each code's rank in ordinal order, so codes sort as their strings do.</summary>
    public int[] Ranks()
    {
        int[] order = Enumerable.Range(0, _values.Count).ToArray();
        Array.Sort(order, (a, b) => string.CompareOrdinal(_values[a], _values[b]));
        int[] ranks = new int[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            ranks[order[i]] = i;
        }

        return ranks;
    }
}
