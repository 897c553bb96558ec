using System.Diagnostics;

namespace FarMemory.Server.Tests;

/// <summary>farmem-server's command line, run as a process: one clear line and exit code 2 for a bad one.</summary>
public class CommandLineTests
{
    [Theory]
    [InlineData("unknown option --bogus", "--bogus")]
    [InlineData("--max-memory '8x': not a size", "--max-memory", "8x")]
    [InlineData("--port '99999': not a TCP port", "--port", "99999")]
    [InlineData("--bind 'nope': not an IP address", "--bind", "nope")]
    [InlineData("--port needs a value", "--port")]
    [InlineData("--port needs a value", "--port", "--bind", "127.0.0.1")]
    [InlineData("--log-level 'loud': not a log level", "--log-level", "loud")]
    public async Task ABadCommandLineGetsOneLineNamingTheOptionAndValue(string expected, params string[] args)
    {
        (int exit, string stdout, string stderr) = await RunAsync(args);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("farmem-server: " + expected, line);
    }

    [Fact]
    public async Task VersionPrintsTheVersion()
    {
        (int exit, string stdout, _) = await RunAsync("--version");
        Assert.Equal(0, exit);
        Assert.Matches(@"^farmem-server \d+\.\d+\.\d+", stdout.Trim());
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "farmem-server.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("Cannot start farmem-server.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
