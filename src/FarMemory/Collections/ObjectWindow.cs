using FarMemory.Scopes;

namespace FarMemory.Collections;

/// <summary>
/// The one shape every scan uses: a scope of its own around one object at a time. Opening the
/// next object ends the previous scope and enters a fresh one, so a scan of any length holds the
/// evacuator back for one object's worth of work at most and never outgrows its pins. When the
/// caller already has a scope open, ours nests inside it and its exit keeps the pins, so the pin
/// this window pushed is popped explicitly.
/// </summary>
internal unsafe ref struct ObjectWindow<T>
    where T : unmanaged
{
    private DerefScope _scope;
    private ulong* _pushedPin;

    /// <summary>Leaves the current object and returns the data of the one behind <paramref name="word"/>, valid until the next call or <see cref="Close"/>.</summary>
    public T* Open(FarStructure structure, ulong* word, bool nonTemporal)
    {
        Close();
        _scope = structure.Runtime.EnterScope();
        var data = (T*)structure.DerefPinned(word, write: false, in _scope, out bool pushed, nonTemporal);
        _pushedPin = pushed ? word : null;
        return data;
    }

    /// <summary>Leaves the current object, if any; a second call does nothing.</summary>
    public void Close()
    {
        if (_pushedPin != null)
        {
            _scope.UnpinTop(_pushedPin);
            _pushedPin = null;
        }

        _scope.Dispose();
    }
}
