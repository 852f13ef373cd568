using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;

namespace MeanFlow.Benchmarks;

/// <summary>
/// BenchmarkDotNet settings for operations of 0.1–10 s on a shared 2-core machine: one launch, a few warm-up and
/// measurement iterations, one invocation per iteration (no unrolling: a step is far above timer resolution), the
/// default out-of-process toolchain: each case runs in its own process, built from a project that BenchmarkDotNet
/// generates under this project's bin/. That project sets ImportDirectoryBuildTargets to false, which would leave out
/// the repository's Directory.Build.targets and with it the TorchSharp libstdc++ fix (the benchmark process could not
/// load TorchSharp on Debian 12); a global MSBuild property turns the import back on (a global property wins over the
/// project's own value). Medians are shown beside means; BenchmarkDotNet removes upper outliers before the mean and
/// the ratio.
/// </summary>
public abstract class SlowOperationConfig : ManualConfig
{
    protected SlowOperationConfig(int warmupCount, int iterationCount)
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(warmupCount)
            .WithIterationCount(iterationCount)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithGcServer(false)
            .WithArguments(new Argument[] { new MsBuildArgument("/p:ImportDirectoryBuildTargets=true") })
            .WithId("Slow"));
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared));
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value));
    }
}

/// <summary>Training steps (0.2–2 s): 3 warm-up and 15 measured iterations; managed allocations shown (native memory: --memory).</summary>
public sealed class TrainingStepConfig : SlowOperationConfig
{
    public TrainingStepConfig() : base(warmupCount: 3, iterationCount: 15)
    {
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}

/// <summary>Sampling a batch (0.1–10 s): 2 warm-up and 8 measured iterations; operations are images, so Op/s is images per second.</summary>
public sealed class SamplingConfig : SlowOperationConfig
{
    public SamplingConfig() : base(warmupCount: 2, iterationCount: 8)
    {
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
