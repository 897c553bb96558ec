using FarMemory.Collections;
using FarMemory.Scopes;

namespace FarMemory.Tests.Collections;

/// <summary>The collections example of README.md, kept compiling and correct.</summary>
public class ReadmeCollectionsExampleTests
{
    [Fact]
    public void CollectionsExampleRuns()
    {
        using var runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 16L << 20 });
        using RemHashTable<long, long> table = runtime.CreateHashTable<long, long>();
        using RemQueue<int> queue = runtime.CreateQueue<int>();
        using (DerefScope scope = runtime.EnterScope())
        {
            table.Put(42, 4242, scope);
            if (table.TryGet(42, out long value, scope))
            {
                queue.Enqueue((int)value, scope);
            }
        }

        using DerefScope check = runtime.EnterScope();
        Assert.Equal(4242, queue.Dequeue(check));
    }
}
