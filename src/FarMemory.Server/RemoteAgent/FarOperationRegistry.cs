using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using FarMemory.Server.RemoteAgent.BuiltIns;

namespace FarMemory.Server.RemoteAgent;

/// <summary>
/// The operations one server runs, each under a small id clients learn at connect. Built-ins are
/// always there; the operator adds types or whole assemblies before the server starts, and the
/// list is frozen from then on.
/// </summary>
public sealed class FarOperationRegistry
{
    private readonly List<Entry> _entries = new();
    private readonly Dictionary<(string, int), Entry> _byName = new();
    private byte[]? _listing;

    public FarOperationRegistry()
    {
        foreach (Func<IFarOperation> factory in BuiltInOperations.Factories)
        {
            Register(factory);
        }
    }

    /// <summary>Every registered operation's descriptor, in id order.</summary>
    public IReadOnlyList<FarOperationDescriptor> Operations => _entries.Select(e => e.Descriptor).ToArray();

    /// <summary>Registers <typeparamref name="T"/>: a fresh instance runs each call.</summary>
    public void Register<T>()
        where T : IFarOperation, new() => Register(static () => new T());

    /// <summary>Registers an operation made by <paramref name="factory"/> (called once now for its descriptor, then once per call).</summary>
    public void Register(Func<IFarOperation> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_listing != null)
        {
            throw new InvalidOperationException("Operations cannot be added once the server has started.");
        }

        FarOperationDescriptor descriptor = factory().Descriptor;
        if (_byName.ContainsKey((descriptor.Name, descriptor.Version)))
        {
            throw new InvalidOperationException($"Operation {descriptor} is registered twice.");
        }

        if (_entries.Count >= ushort.MaxValue)
        {
            throw new InvalidOperationException("Too many operations.");
        }

        var entry = new Entry((ushort)(_entries.Count + 1), descriptor, factory);
        _entries.Add(entry);
        _byName[(descriptor.Name, descriptor.Version)] = entry;
    }

    /// <summary>
    /// Loads an operations assembly and registers each public, concrete <see cref="IFarOperation"/>
    /// with a public parameterless constructor; returns how many. Throws with a clear message if
    /// the file cannot be loaded or holds none.
    /// </summary>
    public int LoadAssembly(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        Type[] types;
        try
        {
            Assembly assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
            types = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or ReflectionTypeLoadException or TypeLoadException or ArgumentException)
        {
            throw new InvalidOperationException($"Cannot load operations from {full}: {e.Message}", e);
        }

        int count = 0;
        foreach (Type type in types)
        {
            if (type.IsAbstract || type.IsInterface || !typeof(IFarOperation).IsAssignableFrom(type))
            {
                continue;
            }

            ConstructorInfo? constructor = type.GetConstructor(Type.EmptyTypes);
            if (constructor == null)
            {
                throw new InvalidOperationException($"Operation type {type.FullName} in {full} needs a public parameterless constructor.");
            }

            try
            {
                Register(() => (IFarOperation)constructor.Invoke(null));
            }
            catch (TargetInvocationException e)
            {
                throw new InvalidOperationException($"Operation type {type.FullName} in {full} failed to construct: {e.InnerException?.Message}", e);
            }

            count++;
        }

        if (count == 0)
        {
            throw new InvalidOperationException($"{full} holds no public IFarOperation type.");
        }

        return count;
    }

    internal bool TryGet(ushort id, out Entry entry)
    {
        if (id >= 1 && id <= _entries.Count)
        {
            entry = _entries[id - 1];
            return true;
        }

        entry = default;
        return false;
    }

    /// <summary>The ListOperations answer (see <see cref="Protocol.CallFormat"/>); freezes the registry.</summary>
    internal byte[] Listing() => _listing ??= Encode();

    private byte[] Encode()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write((ushort)_entries.Count);
        foreach (Entry entry in _entries)
        {
            FarOperationDescriptor d = entry.Descriptor;
            byte[] name = Encoding.UTF8.GetBytes(d.Name);
            writer.Write(entry.Id);
            writer.Write(d.Version);
            writer.Write((ushort)name.Length);
            writer.Write(name);
            writer.Write((byte)d.Structures.Count);
            foreach (Offload.FarStructureParameter p in d.Structures)
            {
                writer.Write((byte)p.Kind);
                writer.Write((byte)p.ElementType);
                writer.Write((byte)p.Access);
            }

            writer.Write((byte)d.Arguments.Count);
            foreach (Offload.FarArgumentType a in d.Arguments)
            {
                writer.Write((byte)a);
            }
        }

        writer.Flush();
        return stream.ToArray();
    }

    internal readonly record struct Entry(ushort Id, FarOperationDescriptor Descriptor, Func<IFarOperation> Factory);
}
