namespace WebFrontend;

/// <summary>The data set the front-end serves (configuration section <c>Frontend</c>).</summary>
public sealed class FrontendOptions
{
    /// <summary>Keys in the hash table (12-byte keys of AIFM's web benchmark stand here as longs).</summary>
    public long Keys { get; set; } = 1_000_000;

    /// <summary>Values of <see cref="ValueBytes"/> each, one far object per value.</summary>
    public long Values { get; set; } = 65_536;

    /// <summary>Bytes of one value (AIFM's front-end: 8 KiB).</summary>
    public int ValueBytes { get; set; } = 8192;
}
