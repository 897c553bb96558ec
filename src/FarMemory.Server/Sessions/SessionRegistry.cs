using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.Sessions;

/// <summary>
/// Sessions by key. A session outlives its connections for <c>retention</c>, so a client whose
/// connection dropped can reconnect and find its objects; after that its namespace is freed. The
/// registry caps the sessions kept (retained ones count: they hold memory) and the connections each
/// session may have, so one client cannot take every slot.
/// </summary>
internal sealed class SessionRegistry : IDisposable
{
    private readonly Dictionary<SessionKey, Session> _sessions = new();
    private readonly object _lock = new();
    private readonly ServerMemory _server;
    private readonly NamespaceLimits _limits;
    private readonly TimeSpan _retention;
    private readonly int _maxSessions;
    private readonly int _maxConnectionsPerSession;
    private bool _disposed;

    public SessionRegistry(ServerMemory server, NamespaceLimits limits, TimeSpan retention, int maxSessions = int.MaxValue, int maxConnectionsPerSession = int.MaxValue)
    {
        _server = server;
        _limits = limits;
        _retention = retention;
        _maxSessions = maxSessions;
        _maxConnectionsPerSession = maxConnectionsPerSession;
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

    /// <summary>Creates a session (empty key) or joins an existing one.</summary>
    public AttachResult Attach(SessionKey key, out Session? session)
    {
        session = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (key.IsEmpty)
            {
                if (_sessions.Count >= _maxSessions)
                {
                    return AttachResult.TooManySessions;
                }

                session = new Session(SessionKey.NewRandom(), new ClientNamespace(_server, _limits));
                _sessions.Add(session.Key, session);
                session.Connections = 1;
                return AttachResult.Attached;
            }

            if (!_sessions.TryGetValue(key, out Session? existing))
            {
                return AttachResult.UnknownKey;
            }

            if (existing.Connections >= _maxConnectionsPerSession)
            {
                return AttachResult.TooManyConnections;
            }

            existing.Connections++;
            session = existing;
            return AttachResult.Attached;
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
