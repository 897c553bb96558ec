namespace FarMemory.Paging.Daemon;

/// <summary>
/// A background thread that runs pageout passes when a region's faults wake it, so that a fault
/// usually finds a ready frame (or a clean free-list page) instead of sweeping and writing back
/// itself. The region's lock serialises a pass with the mutators.
/// </summary>
/// <remarks>
/// A pass that throws (the backend is down) is recorded in <see cref="LastFailure"/> and the daemon
/// keeps serving; the pages involved stay local and dirty, and the next fault retries on its own.
/// </remarks>
public sealed class PageoutDaemon : IDisposable
{
    private readonly Func<int> _pass;
    private readonly AutoResetEvent _wake = new(initialState: false);
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _wakeUps;
    private long _passes;
    private long _framesMoved;
    private long _failures;
    private Exception? _lastFailure;

    /// <param name="pass">One pageout pass; returns the frames it moved.</param>
    /// <param name="name">The thread's name, for debuggers and dumps.</param>
    public PageoutDaemon(Func<int> pass, string name = "pageout")
    {
        ArgumentNullException.ThrowIfNull(pass);
        _pass = pass;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Times <see cref="Wake"/> was called.</summary>
    public long WakeUps => Interlocked.Read(ref _wakeUps);

    /// <summary>Passes completed (including ones that found nothing to do).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Frames the passes moved to the free list or back to the pool.</summary>
    public long FramesMoved => Interlocked.Read(ref _framesMoved);

    /// <summary>Passes that threw.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public Exception? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>Asks for a pass; wake-ups that arrive during a pass coalesce into one more pass.</summary>
    public void Wake()
    {
        Interlocked.Increment(ref _wakeUps);
        _wake.Set();
    }

    /// <summary>Stops the thread after its current pass and waits for it.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            _wake.WaitOne();
            if (_stopping)
            {
                return;
            }

            try
            {
                int moved = _pass();
                Interlocked.Add(ref _framesMoved, moved);
            }
            catch (Exception e)
            {
                // Keep serving: a failed pass leaves pages local and dirty, which is safe.
                Volatile.Write(ref _lastFailure, e);
                Interlocked.Increment(ref _failures);
            }

            Interlocked.Increment(ref _passes);
        }
    }
}
