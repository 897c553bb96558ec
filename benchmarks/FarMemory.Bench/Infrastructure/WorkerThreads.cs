namespace FarMemory.Bench.Infrastructure;

/// <summary>
/// Runs a pass on worker threads of their own (not the thread pool: a far miss blocks its worker,
/// as in the paper), and rethrows the first failure after all have stopped.
/// </summary>
internal static class WorkerThreads
{
    public static T[] Run<T>(int workers, string name, Func<int, T> body)
    {
        var results = new T[workers];
        var failures = new Exception?[workers];
        var threads = new Thread[workers];
        for (int w = 0; w < workers; w++)
        {
            int worker = w;
            threads[w] = new Thread(() =>
            {
                try
                {
                    results[worker] = body(worker);
                }
                catch (Exception e)
                {
                    failures[worker] = e;
                }
            })
            { IsBackground = true, Name = $"{name} worker {w}" };
            threads[w].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        if (failures.FirstOrDefault(f => f != null) is Exception failure)
        {
            throw new InvalidOperationException($"{name} failed: {failure.Message}", failure);
        }

        return results;
    }
}
