using FarMemory;
using FarMemory.Collections;
using FarMemory.Scopes;
using Microsoft.Extensions.Options;

namespace WebFrontend;

/// <summary>
/// AIFM's web front-end data: a hash table of keys (each naming a value) and an array of values,
/// one far object per value, both in the app's <see cref="FarMemoryRuntime"/>. Filled once at
/// start with deterministic contents, so any answer can be checked.
/// </summary>
public sealed class FrontendData : IDisposable
{
    /// <summary>Lookups per request, as in AIFM's front-end.</summary>
    public const int LookupsPerRequest = 32;

    public FrontendData(FarMemoryRuntime runtime, IOptions<FrontendOptions> options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        Table = runtime.CreateHashTable<long, long>();
        Values = runtime.CreateArray<byte>(Options.Values * Options.ValueBytes, Options.ValueBytes);
        using DerefScope scope = runtime.EnterScope();
        for (long k = 0; k < Options.Keys; k++)
        {
            Table.Put(k, ValueOf(k), scope);
            if ((k & 1023) == 0)
            {
                scope.Renew();
            }
        }

        byte[] value = new byte[Options.ValueBytes];
        for (long v = 0; v < Options.Values; v++)
        {
            Fill(v, value);
            Values.CopyFrom(value, v * Options.ValueBytes);
        }
    }

    public FrontendOptions Options { get; }

    public RemHashTable<long, long> Table { get; }

    public RemArray<byte> Values { get; }

    /// <summary>The value a key names (deterministic).</summary>
    public long ValueOf(long key) => (long)((ulong)(key * 2654435761L) % (ulong)Options.Values);

    /// <summary>The bytes of value <paramref name="id"/> (deterministic).</summary>
    public static void Fill(long id, Span<byte> value)
    {
        var rng = new Random((int)(id * 7919 % int.MaxValue));
        rng.NextBytes(value[..(value.Length / 2)]);
        value[(value.Length / 2)..].Fill((byte)id);
    }

    /// <summary>The request's keys: <see cref="LookupsPerRequest"/> keys derived from its id.</summary>
    public void KeysOf(long request, Span<long> keys)
    {
        ulong x = (ulong)request * 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < keys.Length; i++)
        {
            x ^= x >> 33;
            x *= 0xFF51AFD7ED558CCDUL;
            keys[i] = (long)(x % (ulong)Options.Keys);
        }
    }

    public void Dispose()
    {
        Table.Dispose();
        Values.Dispose();
    }
}
