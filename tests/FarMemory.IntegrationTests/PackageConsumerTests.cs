using System.Reflection;

namespace FarMemory.IntegrationTests;

/// <summary>
/// The packages as a user gets them: FarMemory and FarMemory.Server packed to a local folder feed,
/// a new app that references them by version (no project references, the machine's own NuGet
/// sources for everything else), and README's first C# example as its Program.cs, unchanged.
/// </summary>
public class PackageConsumerTests
{
    private static readonly TimeSpan s_step = TimeSpan.FromMinutes(5);

    [Fact]
    public void TheReadmeExampleRunsAgainstThePackedPackages()
    {
        string root = ChildProcess.RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), $"farmemory-consumer-{Guid.NewGuid():N}");
        string feed = Path.Combine(work, "feed");
        string app = Path.Combine(work, "app");

        // A version of its own, so no package of the same version cached by an earlier run stands in.
        string version = $"{BaseVersion()}-consumer.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        try
        {
            Directory.CreateDirectory(app);
            foreach (string project in new[] { "src/FarMemory/FarMemory.csproj", "src/FarMemory.Server/FarMemory.Server.csproj" })
            {
                // The Release build the test run made is what gets packed.
                (int exit, string output) = ChildProcess.Run("dotnet", $"pack \"{Path.Combine(root, project)}\" -c Release --no-build -o \"{feed}\" -p:Version={version}", s_step, root);
                Assert.True(exit == 0, $"dotnet pack {project} failed:\n{output}");
            }

            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="farmemory-local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="FarMemory" Version="{version}" />
                    <PackageReference Include="FarMemory.Server" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeExample(root));

            (int runExit, string runOutput) = ChildProcess.Run("dotnet", "run -c Release", s_step, app);
            Assert.True(runExit == 0, $"the README example failed against the packages:\n{runOutput}");
            Assert.Contains("FarMemoryStats { Hits = ", runOutput);
        }
        finally
        {
            TryDelete(work);
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            TryDelete(Path.Combine(cache, "farmemory", version));
            TryDelete(Path.Combine(cache, "farmemory.server", version));
        }
    }

    /// <summary>The first C# block under "## Use it" in README.md.</summary>
    private static string ReadmeExample(string root)
    {
        string[] lines = File.ReadAllLines(Path.Combine(root, "README.md"));
        int section = Array.FindIndex(lines, l => l.StartsWith("## Use it", StringComparison.Ordinal));
        Assert.True(section >= 0, "README.md has no '## Use it' section.");
        int start = Array.FindIndex(lines, section, l => l.StartsWith("```csharp", StringComparison.Ordinal));
        Assert.True(start >= 0, "README.md's 'Use it' section has no C# block.");
        int end = Array.FindIndex(lines, start + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        return string.Join('\n', lines[(start + 1)..end]) + "\n";
    }

    private static string BaseVersion()
    {
        string version = typeof(FarMemoryRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        return version.Split('+', '-')[0];
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the OS to clean: a temporary folder, not a result.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
