namespace FarMemory.Paging.Tests;

/// <summary>Runs a body on N dedicated threads released together, and rethrows the first failure.</summary>
internal static class ConcurrentRunner
{
    public static void Run(int threads, Action<int> body)
    {
        using var start = new Barrier(threads);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    body(id);
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                }
            })
            {
                IsBackground = true,
                Name = $"stress-{id}",
            };
            workers[t].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        if (errors.TryDequeue(out Exception? first))
        {
            throw new AggregateException(errors.Prepend(first));
        }
    }
}
