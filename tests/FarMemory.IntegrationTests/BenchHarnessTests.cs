using System.Text.Json;

namespace FarMemory.IntegrationTests;

/// <summary>
/// Runs each bench-harness workload in its quick form, as a user would, and checks the JSON it
/// writes against the contract: the required systems, positive throughput, one checksum per
/// comparison group (the same work), and no system over its budget. The redis-backed peer needs
/// redis-server, an operating-system package: without it the harness must say it skipped that
/// system rather than fail.
/// </summary>
public class BenchHarnessTests
{
    public static TheoryData<string, string[]> Workloads => new()
    {
        { "loopback", ["raw-socket", "farmemory"] },
        { "deref", ["all-local", "farmemory"] },
        { "scan", ["all-local", "farmemory", "paged-clock", "paged-second-chance"] },
        { "web", ["all-local", "farmemory", "paged-clock", "paged-second-chance", "memorycache-redis", "faster-kv"] },
        { "kv", ["all-local", "farmemory", "memorycache-redis", "faster-kv"] },
        { "evacuation", ["farmemory", "farmemory-sync"] },
        { "eviction", ["farmemory", "clock", "lru", "second-chance", "belady-min"] },
        { "offload", ["all-local", "farmemory-fetch", "farmemory-offload"] },
        { "taxi", ["all-local", "farmemory", "farmemory-no-offload", "paged-clock", "microsoft-data-analysis"] },
    };

    [Fact]
    public void EvictionReplaysATraceFile()
    {
        string root = ChildProcess.RepositoryRoot();
        string harness = Path.Combine(root, "benchmarks", "FarMemory.Bench", "bin", "Release", "net10.0", "FarMemory.Bench.dll");
        string trace = Path.Combine(Path.GetTempPath(), $"farmemory-trace-{Guid.NewGuid():N}.txt");
        string json = Path.ChangeExtension(trace, ".json");
        File.WriteAllText(trace, "# textbook\n7\n0\n1\n2\n0\n3\n0\n4\n2\n3\n0\n3\n2\n1\n2\n0\n1\n7\n0\n1\n");
        (int exit, string output) = ChildProcess.Run("dotnet", $"\"{harness}\" eviction --trace \"{trace}\" --frames 3 --json \"{json}\"", TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, output);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement faults = document.RootElement.GetProperty("extra").GetProperty("faults");
        Assert.Equal(15, faults.GetProperty("fifo").GetInt64());
        Assert.Equal(12, faults.GetProperty("lru").GetInt64());
        Assert.Equal(9, faults.GetProperty("belady-min").GetInt64());
        File.Delete(trace);
        File.Delete(json);
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void QuickRunWritesContractJson(string workload, string[] systems)
    {
        string root = ChildProcess.RepositoryRoot();
        string harness = Path.Combine(root, "benchmarks", "FarMemory.Bench", "bin", "Release", "net10.0", "FarMemory.Bench.dll");
        Assert.True(File.Exists(harness), $"build the solution in Release first ({harness})");
        string json = Path.Combine(Path.GetTempPath(), $"farmemory-{workload}-{Guid.NewGuid():N}.json");
        string args = workload switch
        {
            "scan" or "deref" or "offload" => "--size 16m",
            "web" => "--size 24m --requests 1500",
            "kv" => "--size 4m --requests 40000",
            _ => "",
        };
        (int exit, string output) = ChildProcess.Run("dotnet", $"\"{harness}\" {workload} --quick {args} --json \"{json}\"", TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, output);

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement rootElement = document.RootElement;
        Assert.Equal(workload, rootElement.GetProperty("workload").GetString());
        var results = rootElement.GetProperty("results").EnumerateArray().ToList();
        var present = results.Select(r => r.GetProperty("system").GetString()).ToHashSet();
        foreach (string system in systems)
        {
            if (system == "memorycache-redis" && !OnPath("redis-server"))
            {
                Assert.True(rootElement.GetProperty("extra").GetProperty("skipped").TryGetProperty(system, out _), $"{system} neither ran nor was reported skipped");
            }
            else
            {
                Assert.Contains(system, present);
            }
        }

        foreach (JsonElement r in results)
        {
            Assert.True(r.GetProperty("throughput").GetDouble() > 0);
            long budget = r.GetProperty("budgetBytes").GetInt64();
            Assert.True(budget == 0 || r.GetProperty("localPeakBytes").GetInt64() <= budget * 1.05);
        }

        if (workload == "eviction")
        {
            JsonElement missRatio = rootElement.GetProperty("extra").GetProperty("missRatio");
            Assert.True(missRatio.GetProperty("belady-min").GetDouble() <= missRatio.GetProperty("lru").GetDouble());
        }

        if (workload != "loopback")
        {
            var groups = results.GroupBy(r => (
                Ratio: r.TryGetProperty("localRatio", out JsonElement x) ? x.GetDouble() : -1,
                Pattern: r.TryGetProperty("pattern", out JsonElement p) ? p.GetString() : null,
                Task: r.TryGetProperty("task", out JsonElement t) ? t.GetString() : null));
            Assert.All(groups, g => Assert.Single(g.Select(r => r.GetProperty("checksum").GetString()).Distinct()));
        }

        if (workload == "taxi")
        {
            // One entry per system run in each per-system map, keyed system@ratio.
            JsonElement extra = rootElement.GetProperty("extra");
            foreach (string map in new[] { "steps", "loadMBps", "peakRssBytes" })
            {
                Assert.Equal(results.Count, extra.GetProperty(map).EnumerateObject().Count());
            }

            Assert.All(extra.GetProperty("steps").EnumerateObject(), s => Assert.Equal(10, s.Value.EnumerateObject().Count()));
            Assert.True(extra.GetProperty("offloadCalls").GetProperty("farmemory@0.25").GetInt64() > 0, "farmemory at 0.25 offloaded nothing");
            Assert.Equal(0, extra.GetProperty("offloadCalls").GetProperty("farmemory-no-offload@0.25").GetInt64());
        }

        if (workload == "offload")
        {
            // Where most of the vector is far, the agent moves arguments and answers, not the vector.
            long Moved(string system, string task) => results
                .Where(r => r.GetProperty("system").GetString() == system && r.GetProperty("task").GetString() == task && r.GetProperty("localRatio").GetDouble() == 0.25)
                .Sum(r => r.GetProperty("bytesFromFar").GetInt64() + r.GetProperty("bytesToFar").GetInt64());
            foreach (string task in new[] { "sum", "filter-count" })
            {
                Assert.True(Moved("farmemory-offload", task) * 100 <= Moved("farmemory-fetch", task), $"{task}: offload moved {Moved("farmemory-offload", task)} bytes, fetch {Moved("farmemory-fetch", task)}");
            }
        }

        // The contract checker always runs: the shared one where this checkout sits next to it,
        // else the copy kept with these tests (ContractCheckerCopyMatchesTheSharedOne keeps them equal).
        string checker = ContractChecker(root);
        Assert.True(OnPath("python3"), "python3 is needed to run the bench JSON contract checker; install it (apt-get install -y python3).");
        (int checkExit, string checkOutput) = ChildProcess.Run("python3", $"\"{checker}\" \"{json}\"", TimeSpan.FromMinutes(1));
        Assert.True(checkExit == 0, $"{checker}: {checkOutput}");

        File.Delete(json);
    }

    [Fact]
    public void ContractCheckerCopyMatchesTheSharedOne()
    {
        string root = ChildProcess.RepositoryRoot();
        string copy = Path.Combine(root, "tests", "FarMemory.IntegrationTests", "Contract", "check-bench-json.py");
        Assert.True(File.Exists(copy), $"The copy of the bench JSON contract checker is missing: {copy}");
        string shared = Path.Combine(root, "..", "shared", "tools", "check-bench-json.py");
        if (File.Exists(shared))
        {
            Assert.True(
                File.ReadAllText(shared) == File.ReadAllText(copy),
                $"{copy} differs from the contract's checker {shared}: copy the shared one over it.");
        }
    }

    /// <summary>The shared contract checker where the checkout has one next to it, else the copy kept with the tests.</summary>
    private static string ContractChecker(string root)
    {
        string shared = Path.Combine(root, "..", "shared", "tools", "check-bench-json.py");
        string copy = Path.Combine(root, "tests", "FarMemory.IntegrationTests", "Contract", "check-bench-json.py");
        string checker = File.Exists(shared) ? shared : copy;
        Assert.True(File.Exists(checker), $"The bench JSON contract checker was not found at {shared} or {copy}.");
        return checker;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));
}
