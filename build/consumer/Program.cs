// The consumer check (build/consumer-check.sh): an application that knows MeanFlow.NET only through its NuGet
// packages. It does real work through the public API and exits non-zero if a result is wrong.
using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Evaluation;
using MeanFlow.Data;
using MeanFlow.Fields;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Runtime;
using MeanFlow.Sampling;
using MeanFlow.Training;
using static TorchSharp.torch;

TorchRuntime.EnsureLoaded();   // TorchSharp loads here through the package's build step (Debian 12: patched copy)
var failures = 0;
void Check(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    if (!ok) failures++;
}

// 1. One-step sampling of the analytic Gaussian field is exact: ε − u(ε, 0, 1) = μ + s·ε (float64).
{
    using var scope = NewDisposeScope();
    var mean = new[] { 1.5, -2.0, 0.25 };
    var std = new[] { 0.5, 2.0, 1e-3 };
    var field = new DiagonalGaussianField(mean, std);
    var noise = randn(new long[] { 4096, 3 }, dtype: ScalarType.Float64, generator: new Generator(7));
    var samples = new MeanFlowSampler().Sample(field, noise);
    var exact = tensor(mean, dtype: ScalarType.Float64) + tensor(std, dtype: ScalarType.Float64) * noise;
    var error = (samples - exact).abs().max().item<double>();
    Check(error <= 1e-12, $"1-NFE sample of N(μ, diag(s²)) equals μ + s·ε: max |error| = {error:E2} (tolerance 1e-12)");
}

// 2. Train the MLP field with the MeanFlow objective on eight Gaussians, then check that it learned:
//    - the flow-matching error ‖u_θ(z_t, t, t) − v_t‖² on a fixed batch (data, noise, times) fell;
//    - the energy distance between 1-NFE samples x = ε − u_θ(ε, 0, 1) and held-out data fell below 50 % of the
//      untrained field's (u = 0 at initialisation, so its samples are the noise itself).
//    - the trainer's own loss fell from the first 100 steps to the last 100. It is the adaptive ‖Δ‖²/(‖Δ‖² + c) with
//      c = 0.01; on this data ‖Δ‖² stays far above c (the conditional target's variance is irreducible), so it sits
//      just below 1 and falls only in the second decimal.
{
    using var scope = NewDisposeScope();
    set_num_threads(Math.Min(2, Environment.ProcessorCount));
    manual_seed(1);                                            // the MLP's initial weights
    var field = new MlpVelocityField(dimension: 2, width: 128, depth: 3);
    var data = ToyDistribution.EightGaussians;
    var flowMatching = new FlowMatchingObjective();
    var fixedBatch = flowMatching.Draw(ToyDistributions.Sample(data, 2048, new Generator(11)), generator: new Generator(12));
    var heldOut = ToyDistributions.Sample(data, 2000, new Generator(13));
    var noise = randn(new long[] { 2000, 2 }, generator: new Generator(14));
    double FlowMatchingError()
    {
        using var inner = NewDisposeScope();
        return flowMatching.Compute(field, fixedBatch).Loss.item<float>();
    }
    double SampleDistance()
    {
        using var inner = NewDisposeScope();
        return EnergyDistance.Compute(new MeanFlowSampler().Sample(field, noise), heldOut);
    }

    var (errorBefore, distanceBefore) = (FlowMatchingError(), SampleDistance());
    var options = new TrainerOptions(totalSteps: 400, learningRate: 3e-3, emaDecays: Array.Empty<double>(), seed: 3, logEvery: 100);
    using var trainer = Trainer.Create(field, new MeanFlowObjective(), options);
    var feed = new Generator(15);
    var reported = new List<TrainingMetrics>();
    trainer.Progress.Add(new Sink(reported.Add));
    trainer.Run(step => new TrainingBatch(ToyDistributions.Sample(data, 256, feed)));
    var (errorAfter, distanceAfter) = (FlowMatchingError(), SampleDistance());

    Console.WriteLine("     trainer's adaptive loss: " + string.Join(", ", reported.Select(m => $"step {m.Step}: {m.AverageLoss:F4}")));
    Check(trainer.Step == 400, $"trainer ran {trainer.Step} of 400 MeanFlow steps");
    Check(errorAfter < errorBefore, $"flow-matching error on a fixed batch fell from {errorBefore:F4} to {errorAfter:F4}");
    Check(reported.Count == 4 && reported[^1].AverageLoss < reported[0].AverageLoss,
        $"trainer's mean loss fell from {reported[0].AverageLoss:F4} (steps 1-100) to {reported[^1].AverageLoss:F4} (steps 301-400)");
    Check(distanceAfter < 0.5 * distanceBefore,
        $"energy distance of 1-NFE samples to data fell from {distanceBefore:F4} to {distanceAfter:F4} (required: below 50 %)");
}

Console.WriteLine(failures == 0 ? "consumer check passed" : $"consumer check FAILED: {failures} check(s)");
return failures == 0 ? 0 : 1;

/// <summary>A synchronous metrics sink (System.Progress would report on the thread pool).</summary>
internal sealed class Sink(Action<TrainingMetrics> report) : IProgress<TrainingMetrics>
{
    public void Report(TrainingMetrics value) => report(value);
}
