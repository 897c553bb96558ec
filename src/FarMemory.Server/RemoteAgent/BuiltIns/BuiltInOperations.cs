namespace FarMemory.Server.RemoteAgent.BuiltIns;

/// <summary>The operations every server runs (names under <c>farmem.</c>, version 1).</summary>
internal static class BuiltInOperations
{
    public static IReadOnlyList<Func<IFarOperation>> Factories { get; } =
    [
        static () => new SummaryOperation(),
        static () => new HistogramOperation(),
        static () => new UniqueOperation(),
        static () => new CountWhereOperation(),
        static () => new WhereOperation(values: false),
        static () => new WhereOperation(values: true),
        static () => new GatherOperation(),
        static () => new ScatterOperation(),
        static () => new AssignOperation(),
        static () => new SortedGroupByOperation(),
        static () => new HashGetOperation(),
        static () => new HashPutOperation(),
    ];
}
