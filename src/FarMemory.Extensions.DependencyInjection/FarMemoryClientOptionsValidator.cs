using System.Net;
using Microsoft.Extensions.Options;

namespace FarMemory.Extensions.DependencyInjection;

/// <summary>Checks <see cref="FarMemoryClientOptions"/> at start, with messages that name the configuration key and say what is wrong.</summary>
internal sealed class FarMemoryClientOptionsValidator : IValidateOptions<FarMemoryClientOptions>
{
    public ValidateOptionsResult Validate(string? name, FarMemoryClientOptions options)
    {
        var failures = new List<string>();
        string key = FarMemoryClientOptions.SectionName;
        if (!string.IsNullOrWhiteSpace(options.Server) && !TryParseServer(options.Server, out _, out _))
        {
            failures.Add($"{key}:Server '{options.Server}' is not host:port (e.g. memhost:7400 or 10.0.0.5:7400).");
        }

        if (options.Connections is < 1 or > 64)
        {
            failures.Add($"{key}:Connections is {options.Connections}; it must be from 1 to 64.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{key}:ConnectTimeout is {options.ConnectTimeout}; it must be positive.");
        }

        if (options.DegradedPressure is <= 0 or > 1)
        {
            failures.Add($"{key}:DegradedPressure is {options.DegradedPressure}; it must be in (0, 1].");
        }

        try
        {
            ToRuntimeOptions(options, backend: null).Validate();
        }
        catch (ArgumentException e)
        {
            // The runtime's own checks (budget against segments, segment size): the property it names is the key's.
            failures.Add($"{key}:{(e as ArgumentOutOfRangeException)?.ParamName ?? e.ParamName}: {FirstSentence(e.Message)}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static FarMemoryOptions ToRuntimeOptions(FarMemoryClientOptions options, Backends.IFarMemoryBackend? backend) => new()
    {
        LocalBudgetBytes = options.LocalBudgetBytes,
        SegmentSize = options.SegmentSize,
        StallWarningThreshold = options.StallWarningThreshold,
        Backend = backend,
    };

    internal static bool TryParseServer(string server, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = server.LastIndexOf(':');
        if (colon <= 0 || colon == server.Length - 1 || !int.TryParse(server.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > IPEndPoint.MaxPort)
        {
            return false;
        }

        host = server[..colon].Trim('[', ']');
        return host.Length > 0 && !host.Contains(' ', StringComparison.Ordinal);
    }

    // ArgumentException appends " (Parameter 'x')" and the actual value; the key already says which.
    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
