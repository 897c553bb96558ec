using System.Numerics;
using FarMemory.Collections;
using FarMemory.DataFrames.Columns;

namespace FarMemory.DataFrames;

public sealed partial class FarDataFrame
{
    /// <summary>
    /// Sorts by one column: the key column and a row permutation are sorted locally (the key's
    /// store value and a long per row), then every column is gathered through the permutation,
    /// on the remote agent when the frame is mostly far.
    /// </summary>
    private FarDataFrame Sort(string column, bool descending)
    {
        ThrowIfDisposed();
        ColumnData key = ColumnByName(column).Data;
        long[] order = key switch
        {
            ColumnData<long> d => Permutation(d, null, descending),
            ColumnData<double> d => Permutation(d, null, descending),
            ColumnData<int> d when d.Kind == ColumnKind.String => Permutation(d, d.Strings!.Ranks(), descending),
            ColumnData<int> d => Permutation(d, null, descending),
            ColumnData<byte> d => Permutation(d, null, descending),
            _ => throw new InvalidOperationException(),
        };

        if (_columns.Count > 0 && _columns.All(c => c.Data.Validity == null || c.Data.Validity.Vector != null)
            && key is ColumnData<long> or ColumnData<double> or ColumnData<int> or ColumnData<byte>
            && ShouldOffloadFrame())
        {
            using RemVector<long> indices = Runtime.CreateVector<long>();
            indices.AddRange(order);
            try
            {
                FarDataFrame? far = TryGatherFar(indices);
                if (far != null)
                {
                    return far;
                }
            }
            catch (FarOperationException)
            {
                // Past the agent's deadline or limits: gathered here instead.
            }
        }

        return Derive(data => data.Gather(order));
    }

    private bool ShouldOffloadFrame()
    {
        foreach (FarColumn c in _columns)
        {
            bool far = c.Data switch
            {
                ColumnData<long> d => Context.ShouldOffload(d.Values),
                ColumnData<double> d => Context.ShouldOffload(d.Values),
                ColumnData<int> d => Context.ShouldOffload(d.Values),
                ColumnData<byte> d => Context.ShouldOffload(d.Values),
                _ => false,
            };
            if (!far)
            {
                return false;
            }
        }

        return true;
    }

    private static long[] Permutation<TStore>(ColumnData<TStore> key, int[]? ranks, bool descending)
        where TStore : unmanaged, INumber<TStore>
    {
        long n = key.Length;
        var keys = new TStore[n];
        var valid = new bool[n];
        using (var cursor = new ChunkCursor<TStore>(key))
        {
            while (cursor.MoveNext())
            {
                Span<TStore> v = cursor.Values;
                for (int i = 0; i < v.Length; i++)
                {
                    long row = cursor.Start + i;
                    keys[row] = ranks == null ? v[i] : TStore.CreateTruncating(ranks[int.CreateTruncating(v[i])]);
                    valid[row] = cursor.IsValid(i) && !(typeof(TStore) == typeof(double) && double.IsNaN(double.CreateTruncating(v[i])));
                }
            }
        }

        long[] order = new long[n];
        for (long i = 0; i < n; i++)
        {
            order[i] = i;
        }

        int sign = descending ? -1 : 1;
        Array.Sort(order, (a, b) =>
        {
            bool va = valid[a];
            bool vb = valid[b];
            if (va != vb)
            {
                return va ? -1 : 1;
            }

            int c = va ? sign * keys[a].CompareTo(keys[b]) : 0;
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }
}
