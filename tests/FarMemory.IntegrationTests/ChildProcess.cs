using System.Diagnostics;

namespace FarMemory.IntegrationTests;

/// <summary>Runs a program the tests need (dotnet, python3) to completion, bounded by a timeout, and finds the repository.</summary>
internal static class ChildProcess
{
    /// <summary>Exit code and stdout+stderr; -1 and a note when it ran past <paramref name="timeout"/> (and was killed).</summary>
    public static (int Exit, string Output) Run(string file, string arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory != null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} {arguments} timed out after {timeout}");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The folder holding FarMemory.sln, above the test's output folder.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "FarMemory.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("FarMemory.sln not found above the test directory.");
    }
}
