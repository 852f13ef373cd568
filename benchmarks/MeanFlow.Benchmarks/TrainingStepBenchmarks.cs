using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using static TorchSharp.torch;

namespace MeanFlow.Benchmarks;

/// <summary>
/// One training step (objective forward, JVP, backward; no optimizer step) per case, against the flow-matching step
/// on the same backbone, batch and threads. Ratio is relative to <see cref="FlowMatching"/> of the same backbone.
/// </summary>
[Config(typeof(TrainingStepConfig))]
public class TrainingStepBenchmarks
{
    private nn.Module? _model;
    private Dictionary<TrainingCase, TrainingWorkload> _workloads = new();

    /// <summary>The network.</summary>
    [Params(Backbone.DiT, Backbone.UNet, Backbone.ImfDiT)]
    public Backbone Backbone { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Machine.UseBenchmarkThreads();
        _model = Backbones.Create(Backbone);
        _workloads = System.Enum.GetValues<TrainingCase>().ToDictionary(c => c, c => new TrainingWorkload(Backbone, c, _model));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var w in _workloads.Values) w.Dispose();
        _model?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "FM step")]
    public void FlowMatching() => _workloads[TrainingCase.FlowMatching].Step();

    [Benchmark(Description = "MF forward-mode 25%")]
    public void ForwardMode25() => _workloads[TrainingCase.ForwardMode25].Step();

    [Benchmark(Description = "MF forward-mode 100%")]
    public void ForwardMode100() => _workloads[TrainingCase.ForwardMode100].Step();

    [Benchmark(Description = "MF double-backward 25%")]
    public void DoubleBackward25() => _workloads[TrainingCase.DoubleBackward25].Step();

    [Benchmark(Description = "MF double-backward, deterministic field, 25%")]
    public void DoubleBackwardDeterministic25() => _workloads[TrainingCase.DoubleBackwardDeterministic25].Step();

    [Benchmark(Description = "MF double-backward 100%")]
    public void DoubleBackward100() => _workloads[TrainingCase.DoubleBackward100].Step();

    [Benchmark(Description = "MF finite-difference 25%")]
    public void FiniteDifference25() => _workloads[TrainingCase.FiniteDifference25].Step();

    [Benchmark(Description = "MF finite-difference 100%")]
    public void FiniteDifference100() => _workloads[TrainingCase.FiniteDifference100].Step();

    [Benchmark(Description = "iMF (automatic JVP) 50%")]
    public void ImprovedMeanFlow() => _workloads[TrainingCase.ImprovedMeanFlow].Step();

    [Benchmark(Description = "iMF double-backward 50%")]
    public void ImprovedMeanFlowDoubleBackward() => _workloads[TrainingCase.ImprovedMeanFlowDoubleBackward].Step();
}
