using BenchmarkDotNet.Attributes;

namespace MeanFlow.Benchmarks;

/// <summary>
/// Generating a batch of 32 images: one MeanFlow step (1 NFE) against 50 Euler steps of flow matching (50 NFE) on the
/// same untrained backbone (cost does not depend on the weights). One operation is one image, so Mean is the time per
/// image and Op/s the images per second; Ratio is relative to the 50-step sampler.
/// </summary>
[Config(typeof(SamplingConfig))]
public class SamplingBenchmarks
{
    private SamplingWorkload? _meanFlow;
    private SamplingWorkload? _flowMatching;

    /// <summary>The network.</summary>
    [Params(Backbone.DiT, Backbone.UNet)]
    public Backbone Backbone { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Machine.UseBenchmarkThreads();
        _meanFlow = new SamplingWorkload(Backbone, meanFlow: true);
        _flowMatching = new SamplingWorkload(Backbone, meanFlow: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meanFlow?.Dispose();
        _flowMatching?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Backbones.BatchSize, Description = "FM Euler 50 steps")]
    public void FlowMatchingEuler50() => _flowMatching!.Sample();

    [Benchmark(OperationsPerInvoke = Backbones.BatchSize, Description = "MeanFlow 1 step")]
    public void MeanFlowOneStep() => _meanFlow!.Sample();
}
