using CsCheck;

namespace FarMemory.Tests.Collections;

/// <summary>The RemArray model check against the in-process backend, from one and from eight threads.</summary>
public class RemArrayModelTests
{
    [Fact]
    public void SingleThreadMatchesArray() =>
        RemArrayModel.GenCase.Sample(c => RemArrayModel.Run(c.ElementsPerObject, c.Length, c.Ops, backend: null), iter: 60);

    [Fact]
    public void EightThreadsOnSharedObjectsMatchTheirModels()
    {
        const int Threads = 8;
        const int Length = 4096;
        Gen.Select(Gen.OneOf(1, 8, 64), RemArrayModel.GenOp.Array[200, 600].Array[Threads], (e, ops) => (e, ops)).Sample(
            c =>
            {
                using FarMemoryRuntime runtime = RemArrayModel.CreateRuntime((Length / c.e) + 1, 4, backend: null);
                RemArrayModel.RunShared(Threads, Length, c.e, c.ops, runtime);
                Assert.True(runtime.GetStats().Evictions > 0, "the test must exercise eviction");
            },
            iter: 12,
            threads: 1);
    }
}
