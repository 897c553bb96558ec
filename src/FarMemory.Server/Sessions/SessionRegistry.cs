using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.Sessions;

/// <summary>
/// Sessions by key. A session outlives its connections for <c>retention</c>, so a client whose
/// connection dropped can reconnect and find its objects; after that its namespace is freed.
/// </summary>
internal sealed class SessionRegistry : IDisposable
{
    private readonly Dictionary<SessionKey, Session> _sessions = new();
    private readonly object _lock = new();
    private readonly MemoryQuota _server;
    private readonly long _quotaBytes;
    private readonly TimeSpan _retention;
    private bool _disposed;

    public SessionRegistry(MemoryQuota server, long quotaBytes, TimeSpan retention)
    {
        _server = server;
        _quotaBytes = quotaBytes;
        _retention = retention;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Creates a session (empty key) or joins an existing one; null if the key is unknown.</summary>
    public Session? Attach(SessionKey key)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (key.IsEmpty)
            {
                var session = new Session(SessionKey.NewRandom(), new ClientNamespace(_server, _quotaBytes));
                _sessions.Add(session.Key, session);
                session.Connections = 1;
                return session;
            }

            if (_sessions.TryGetValue(key, out Session? existing))
            {
                existing.Connections++;
                return existing;
            }

            return null;
        }
    }

    public void Detach(Session session)
    {
        long generation;
        lock (_lock)
        {
            if (--session.Connections > 0 || _disposed)
            {
                return;
            }

            generation = ++session.Generation;
            if (_retention <= TimeSpan.Zero)
            {
                Expire(session, generation);
                return;
            }
        }

        _ = Task.Delay(_retention).ContinueWith(
            static (_, state) =>
            {
                var (registry, s, g) = ((SessionRegistry, Session, long))state!;
                lock (registry._lock)
                {
                    registry.Expire(s, g);
                }
            },
            (this, session, generation),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (Session session in _sessions.Values)
            {
                session.Store.Dispose();
            }

            _sessions.Clear();
        }
    }

    /// <summary>Frees a session's namespace if nobody attached since <paramref name="generation"/> (under the lock).</summary>
    private void Expire(Session session, long generation)
    {
        if (session.Connections == 0 && session.Generation == generation && _sessions.Remove(session.Key))
        {
            session.Store.Dispose();
        }
    }
}
