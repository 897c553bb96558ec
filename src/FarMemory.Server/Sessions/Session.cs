using FarMemory.Server.ObjectStore;

namespace FarMemory.Server.Sessions;

/// <summary>One client: its namespace and the connections attached to it.</summary>
internal sealed class Session
{
    public Session(SessionKey key, ClientNamespace store)
    {
        Key = key;
        Store = store;
    }

    public SessionKey Key { get; }

    public ClientNamespace Store { get; }

    /// <summary>Open connections (guarded by the registry's lock).</summary>
    public int Connections { get; set; }

    /// <summary>Bumped on every detach, so a delayed expiry can tell the session was used again.</summary>
    public long Generation { get; set; }
}
