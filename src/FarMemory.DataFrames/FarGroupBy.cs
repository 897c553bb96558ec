using System.Numerics;
using FarMemory.DataFrames.Columns;
using FarMemory.Offload;

namespace FarMemory.DataFrames;

/// <summary>
/// The rows of a frame grouped by a key column. Each aggregate returns a new frame: the key
/// column first (one row per group, in order of first appearance), then one column per named
/// column, with the same names. With no names, every other column is aggregated (those the
/// aggregate is defined for, for Count all of them). Nulls are skipped; a group with no values
/// has a null Mean, Median, Min and Max and a Sum of 0.
/// </summary>
/// <remarks>
/// Result types: Count is long; Sum is long for integer columns and double for doubles; Min and
/// Max keep the column's type; Mean and Median are double (Median as pandas's).
/// </remarks>
public sealed class FarGroupBy
{
    private readonly FarDataFrame _frame;
    private readonly FarColumn _key;

    internal FarGroupBy(FarDataFrame frame, FarColumn key)
    {
        _frame = frame;
        _key = key;
    }

    public FarDataFrame Count(params string[] columns) => Aggregate(FarAggregate.Count, columns);

    public FarDataFrame Sum(params string[] columns) => Aggregate(FarAggregate.Sum, columns);

    public FarDataFrame Mean(params string[] columns) => Aggregate(FarAggregate.Mean, columns);

    public FarDataFrame Min(params string[] columns) => Aggregate(FarAggregate.Min, columns);

    public FarDataFrame Max(params string[] columns) => Aggregate(FarAggregate.Max, columns);

    public FarDataFrame Median(params string[] columns) => Aggregate(FarAggregate.Median, columns);

    private FarDataFrame Aggregate(FarAggregate aggregate, string[] columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _frame.ThrowIfDisposed();
        FarColumn[] values = columns.Length > 0
            ? [.. columns.Select(_frame.ColumnByName)]
            : [.. _frame.Columns.Where(c => c != _key && Defined(c.Data.Kind, aggregate))];
        return _key.Data switch
        {
            ColumnData<long> k => Run(k, values, aggregate),
            ColumnData<int> k => Run(k, values, aggregate),
            ColumnData<byte> k => Run(k, values, aggregate),
            _ => throw new FarColumnTypeException(_key.Name, _key.DataType, $"Group keys are integers, bools, DateTimes or strings; '{_key.Name}' holds {_key.DataType.Name} values."),
        };
    }

    private static bool Defined(ColumnKind kind, FarAggregate aggregate) => aggregate switch
    {
        FarAggregate.Count => true,
        FarAggregate.Min or FarAggregate.Max => kind != ColumnKind.String,
        _ => ColumnKinds.IsNumeric(kind),
    };

    private FarDataFrame Run<TKey>(ColumnData<TKey> keys, FarColumn[] values, FarAggregate aggregate)
        where TKey : unmanaged, INumber<TKey>
    {
        using Grouping groups = Grouping.Build(keys);
        var result = new FarDataFrame(_frame.Context);
        try
        {
            ColumnBuilder keyCopy = groups.Keys.NewBuilder();
            try
            {
                groups.Keys.AppendRange(keyCopy, 0, groups.Count);
            }
            catch
            {
                keyCopy.Dispose();
                throw;
            }

            result.AddData(_key.Name, keyCopy.Build());
            foreach (FarColumn v in values)
            {
                ColumnData data = v.Data switch
                {
                    ColumnData<long> d => GroupAggregator.Aggregate(groups, keys, d, aggregate, v.Name),
                    ColumnData<double> d => GroupAggregator.Aggregate(groups, keys, d, aggregate, v.Name),
                    ColumnData<int> d => GroupAggregator.Aggregate(groups, keys, d, aggregate, v.Name),
                    ColumnData<byte> d => GroupAggregator.Aggregate(groups, keys, d, aggregate, v.Name),
                    _ => throw new InvalidOperationException(),
                };
                result.AddData(v.Name, data);
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
