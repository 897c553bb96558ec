using BenchmarkDotNet.Attributes;
using FarMemory.Scopes;

namespace FarMemory.Benchmarks;

/// <summary>
/// What a <see cref="DerefScope"/> costs: entering and leaving an outermost scope (an announce with
/// a full fence, then a release store), a nested one (a depth counter), and
/// <see cref="DerefScope.Renew"/> inside an open scope (another announce). The baseline is one
/// <see cref="Interlocked.Exchange(ref long, long)"/>, the full fence an outermost enter and a
/// renew are built on.
/// </summary>
[MemoryDiagnoser]
public class ScopeBenchmarks
{
    private const int Operations = 1024;

    private FarMemoryRuntime _runtime = null!;
    private long _state;

    [GlobalSetup]
    public void Setup()
    {
        _runtime = new FarMemoryRuntime(new FarMemoryOptions { LocalBudgetBytes = 4L << 20 });

        // The thread's epoch slot is claimed on first use; claim it outside the measurement.
        using DerefScope scope = _runtime.EnterScope();
    }

    [GlobalCleanup]
    public void Cleanup() => _runtime.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public long InterlockedExchange()
    {
        long last = 0;
        for (int i = 0; i < Operations; i++)
        {
            last = Interlocked.Exchange(ref _state, i);
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public void EnterExit()
    {
        FarMemoryRuntime runtime = _runtime;
        for (int i = 0; i < Operations; i++)
        {
            using (runtime.EnterScope())
            {
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public void NestedEnterExit()
    {
        FarMemoryRuntime runtime = _runtime;
        using DerefScope outer = runtime.EnterScope();
        for (int i = 0; i < Operations; i++)
        {
            using (runtime.EnterScope())
            {
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public void Renew()
    {
        using DerefScope scope = _runtime.EnterScope();
        for (int i = 0; i < Operations; i++)
        {
            scope.Renew();
        }
    }
}
