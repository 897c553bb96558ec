using System.Buffers.Binary;
using System.Collections.Concurrent;
using FarMemory.Protocol;
using FarMemory.Server.ObjectStore;
using Microsoft.Extensions.Logging;

namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// Runs calls on a fixed pool of worker threads, never on a connection's read loop, so a long
/// operation delays only the calls queued behind it, not anyone's reads and writes. The queue is
/// bounded (a call over it is refused as busy), each call has a deadline, a result cap and a cap on
/// what it may stage, and a call's writes are committed all or nothing once it succeeds.
/// </summary>
/// <remarks>
/// Workers are dedicated threads rather than thread-pool work items: the connections' loops run
/// on the thread pool, and CPU-bound operations occupying its few threads would starve them.
/// </remarks>
internal sealed class RemoteAgent : IDisposable
{
    [ThreadStatic]
    private static WriteBatchScratch? t_scratch;

    private readonly FarOperationRegistry _registry;
    private readonly FarMemoryServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<CallWork> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread[] _workers;
    private readonly CancellationTokenSource _stopping = new();
    private int _queued;
    private long _calls;
    private long _failed;

    public RemoteAgent(FarOperationRegistry registry, FarMemoryServerOptions options, ILogger logger)
    {
        _registry = registry;
        _options = options;
        _logger = logger;
        _workers = new Thread[options.MaxConcurrentCalls];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"farmem agent {i}" };
            _workers[i].Start();
        }
    }

    public FarOperationRegistry Registry => _registry;

    public long Calls => Interlocked.Read(ref _calls);

    public long FailedCalls => Interlocked.Read(ref _failed);

    /// <summary>Queues a call; false (nothing queued) when the queue is full.</summary>
    public bool TrySubmit(CallWork work)
    {
        if (Interlocked.Increment(ref _queued) > _options.MaxQueuedCalls)
        {
            Interlocked.Decrement(ref _queued);
            return false;
        }

        _queue.Enqueue(work);
        _signal.Release();
        return true;
    }

    /// <summary>Stops the workers; false if one is still inside an operation that ignored its deadline (its data must not be freed).</summary>
    public bool Stop()
    {
        _stopping.Cancel();
        bool stopped = true;
        long until = Environment.TickCount64 + 2000 + (long)_options.MaxCallDeadline.TotalMilliseconds;
        foreach (Thread worker in _workers)
        {
            stopped &= worker.Join(TimeSpan.FromMilliseconds(Math.Max(0, until - Environment.TickCount64)));
        }

        while (_queue.TryDequeue(out CallWork? work))
        {
            work.Release();
        }

        return stopped;
    }

    public void Dispose() => Stop();

    private void Work()
    {
        try
        {
            while (true)
            {
                _signal.Wait(_stopping.Token);
                if (!_queue.TryDequeue(out CallWork? work))
                {
                    continue;
                }

                Interlocked.Decrement(ref _queued);
                Run(work);
                work.Completed(work);
            }
        }
        catch (OperationCanceledException)
        {
            // The server is stopping.
        }
    }

    /// <summary>Runs one call to its answer; never throws.</summary>
    internal void Run(CallWork work)
    {
        Interlocked.Increment(ref _calls);
        var context = new FarCallContext(work.Request, work.Structures, work.Deadline, _options.EffectiveCallResultBytes, _options.MaxCallWriteBytes);
        string name = work.Operation.Descriptor.ToString();
        try
        {
            if (context.IsPastDeadline)
            {
                throw new OperationCanceledException();
            }

            IFarOperation operation = work.Operation.Factory();
            operation.Execute(context);
            ReleaseLocks(work.Structures);
            context.ThrowIfCancellationRequested();
            Commit(work, context);
        }
        catch (OperationCanceledException)
        {
            Fail(work, FrameStatus.OperationTimeout, $"{name} ran past its deadline of {work.DeadlineMs} ms; nothing it wrote is visible");
        }
        catch (CallLimitException e)
        {
            Fail(work, e.Status, $"{name}: {e.Message}; nothing it wrote is visible");
        }
        catch (FarOperationArgumentException e)
        {
            Fail(work, FrameStatus.InvalidArgument, $"{name}: {e.Message}");
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Operation {Operation} failed", name);
            Fail(work, FrameStatus.OperationFailed, $"{name} failed: {e.GetType().Name}: {e.Message}; nothing it wrote is visible");
        }
        finally
        {
            ReleaseLocks(work.Structures);
            foreach (IStagedWriter writer in context.Writers)
            {
                writer.Release();
            }

            context.Release();
        }
    }

    private void Fail(CallWork work, FrameStatus status, string reason)
    {
        Interlocked.Increment(ref _failed);
        work.SetError(status, reason);
    }

    /// <summary>Commits every staged write in one all-or-nothing batch, then builds the answer.</summary>
    private static void Commit(CallWork work, FarCallContext context)
    {
        List<IStagedWriter> writers = context.Writers;
        int changed = 0;
        var items = new List<WriteItem>();
        foreach (IStagedWriter writer in writers)
        {
            if (writer.Changed)
            {
                changed++;
                writer.AddTo(items);
            }
        }

        if (items.Count != 0)
        {
            WriteBatchScratch scratch = t_scratch ??= new WriteBatchScratch();
            FrameStatus status = work.Store.WriteBatch(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(items), scratch);
            if (status != FrameStatus.Ok)
            {
                string why = status switch
                {
                    FrameStatus.QuotaExceeded => "the session's quota cannot hold what it wrote",
                    FrameStatus.ServerFull => "the server's memory is full",
                    FrameStatus.UnknownStructure => "a structure it writes was dropped meanwhile",
                    _ => status.ToString(),
                };
                work.SetError(status, $"{work.Operation.Descriptor}: {why}; nothing it wrote is visible");
                return;
            }
        }

        Span<byte> head = stackalloc byte[1 + (CallFormat.MaxStructures * CallFormat.WrittenSize)];
        head[0] = (byte)changed;
        int at = 1;
        foreach (IStagedWriter writer in writers)
        {
            if (!writer.Changed)
            {
                continue;
            }

            head[at] = (byte)writer.Index;
            BinaryPrimitives.WriteInt64LittleEndian(head[(at + 1)..], writer.Length);
            bool touched = writer.EndTouched > 0;
            BinaryPrimitives.WriteInt64LittleEndian(head[(at + 9)..], touched ? writer.FirstTouched : 0);
            BinaryPrimitives.WriteInt64LittleEndian(head[(at + 17)..], touched ? writer.EndTouched : 0);
            at += CallFormat.WrittenSize;
        }

        work.SetAnswer(FrameStatus.Ok, head[..at], context.Result.Written);
    }

    /// <summary>Exits any object lock an operation left held (a chunk it did not dispose), so the structure stays usable.</summary>
    private static void ReleaseLocks(StoredStructure[] structures)
    {
        foreach (StoredStructure structure in structures)
        {
            while (Monitor.IsEntered(structure.SyncRoot))
            {
                Monitor.Exit(structure.SyncRoot);
            }
        }
    }
}
