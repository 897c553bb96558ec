using System.Numerics;
using FarMemory.DataFrames.Storage;

namespace FarMemory.DataFrames.Columns;

/// <summary>
/// The groups of a key column, in order of first appearance, from one chunked pass over the keys
/// (a hash on the stored key: integers, ticks or dictionary codes). When every group's rows are
/// contiguous (keys in runs, as a column sorted by time gives for its month), groups are row
/// ranges and nothing else is stored; otherwise each row's group id is kept in a column of its
/// own (in the frame's storage, so far memory for a far frame). Rows with a null key belong to no group.
/// </summary>
internal sealed class Grouping : IDisposable
{
    private Grouping(int count, long[] rows, long[] firstRow, IColumnStorage<int>? ids, ColumnData keys)
    {
        Count = count;
        Rows = rows;
        FirstRow = firstRow;
        Ids = ids;
        Keys = keys;
    }

    public int Count { get; }

    /// <summary>Rows of each group (null values included).</summary>
    public long[] Rows { get; }

    public long[] FirstRow { get; }

    /// <summary>Each row's group id (-1 for a null key); null when the groups are runs.</summary>
    public IColumnStorage<int>? Ids { get; }

    public bool Runs => Ids == null;

    /// <summary>One key per group, in group order (the result frame's first column).</summary>
    public ColumnData Keys { get; }

    public static Grouping Build<TKey>(ColumnData<TKey> keys)
        where TKey : unmanaged, INumber<TKey>
    {
        FrameContext context = keys.Context;
        var map = new Dictionary<TKey, int>();
        var rows = new List<long>();
        var first = new List<long>();
        var keyBuilder = new ColumnBuilder<TKey>(context, keys.Kind, keys.Strings);
        IColumnStorage<int>? ids = null;
        int[] idBuffer = new int[context.ChunkRows];
        bool runs = keys.NullCount == 0;
        int current = -1;
        try
        {
            using var cursor = new ChunkCursor<TKey>(keys);
            while (cursor.MoveNext())
            {
                Span<TKey> values = cursor.Values;
                for (int i = 0; i < values.Length; i++)
                {
                    if (!cursor.IsValid(i))
                    {
                        idBuffer[i] = -1;
                        continue;
                    }

                    TKey k = values[i];
                    if (!map.TryGetValue(k, out int g))
                    {
                        g = map.Count;
                        map.Add(k, g);
                        rows.Add(0);
                        first.Add(cursor.Start + i);
                        keyBuilder.Append(k);
                    }
                    else if (runs && g != current)
                    {
                        // A key seen before comes back: the groups are not runs, so from here on
                        // every row's group is stored, starting with the rows already passed.
                        runs = false;
                        ids = context.Create<int>();
                        BackfillRuns(ids, rows, cursor.Start, context.ChunkRows);
                    }

                    current = g;
                    rows[g]++;
                    idBuffer[i] = g;
                }

                ids?.Append(idBuffer.AsSpan(0, values.Length));
            }

            return new Grouping(map.Count, [.. rows], [.. first], ids, keyBuilder.Build());
        }
        catch
        {
            ids?.Dispose();
            keyBuilder.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Ids?.Dispose();
        Keys.Dispose();
    }

    /// <summary>Writes the ids of rows [0, <paramref name="end"/>), which so far were runs of groups 0, 1, ...</summary>
    private static void BackfillRuns(IColumnStorage<int> ids, List<long> rows, long end, int chunk)
    {
        int[] buffer = new int[chunk];
        long row = 0;
        int n = 0;
        for (int g = 0; g < rows.Count && row < end; g++)
        {
            for (long r = 0; r < rows[g] && row < end; r++, row++)
            {
                buffer[n++] = g;
                if (n == buffer.Length)
                {
                    ids.Append(buffer);
                    n = 0;
                }
            }
        }

        ids.Append(buffer.AsSpan(0, n));
    }
}
