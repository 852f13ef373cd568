using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MeanFlow.Data;
using MeanFlow.Evaluation;
using MeanFlow.Losses;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using MeanFlow.TimeSampling;
using MeanFlow.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Toy2D;

/// <summary>Trains both models on the same budget, samples them, measures and draws.</summary>
internal sealed class Toy2DExperiment
{
    private readonly Toy2DOptions _options;

    internal Toy2DExperiment(Toy2DOptions options) => _options = options;

    internal int Run()
    {
        var o = _options;
        TorchSharp.torch.set_num_threads(o.Threads);
        Directory.CreateDirectory(o.Output);
        JsonFile.Write(Path.Combine(o.Output, "config.json"), o.ToJson());
        AnsiConsole.MarkupLine($"[bold]MeanFlow.NET toy 2-D[/]: {o.Dataset}, {o.Steps} steps × {o.BatchSize} rows, MLP {o.Depth}×{o.Width}, output [blue]{Markup.Escape(o.Output)}[/]");

        // The one-step model: MeanFlow (single-head MLP) or improved MeanFlow (two-head MLP), against flow matching.
        var improved = o.Objective == "imf";
        var oneStep = improved ? "iMF" : "MeanFlow";
        var timeSampler = new MeanFlowTimeSampler(o.Times(), o.DistinctFraction);
        var weighting = new AdaptiveLossWeighting(o.AdaptivePower, o.AdaptiveConstant);
        var flowMatching = NewField();
        var flowMatchingObjective = new FlowMatchingObjective(timeDistribution: o.Times());

        var curves = new Dictionary<string, List<(long Step, double Loss)>>();
        var seconds = new Dictionary<string, double>();
        using var oneStepModel = improved
            ? OneStepModel.Of(NewGuidedField(), new ImprovedMeanFlowObjective(timeSampler: timeSampler, weighting: weighting), TrainerOptionsFor(1),
                // The toy data has no classes: guidance is inert (v_c = v_u), so sampling at ω = 1 loses nothing.
                (sampler, field, z) => sampler.SampleGuided(field, z))
            : OneStepModel.Of(NewField(), new MeanFlowObjective(timeSampler: timeSampler, weighting: weighting), TrainerOptionsFor(1),
                (sampler, field, z) => sampler.Sample(field, z));
        using var flowMatchingTrainer = Trainer.Create(flowMatching, flowMatchingObjective, TrainerOptionsFor(2));
        ConsoleProgress.Run(new[] { oneStep, "flow matching" }, reporters =>
        {
            Train(oneStep, oneStepModel.Progress, oneStepModel.Run, reporters[0], 1);
            Train("flow matching", flowMatchingTrainer.Progress, batches => flowMatchingTrainer.Run(batches), reporters[1], 2);
        });

        var metrics = new JsonObject { ["dataset"] = o.Dataset.ToString(), ["objective"] = o.Objective, ["steps"] = o.Steps, ["batchSize"] = o.BatchSize };
        using var scope = NewDisposeScope();
        var heldOut = ToyDistributions.Sample(o.Dataset, o.EvaluationSamples, new Generator((ulong)o.Seed + 1000));
        var noise = randn(new long[] { o.EvaluationSamples, 2 }, generator: new Generator((ulong)o.Seed + 2000));
        var panels = new List<(string Title, Tensor Points, JsonObject Metrics)>
        {
            ("held-out data", heldOut, Measure(heldOut, ToyDistributions.Sample(o.Dataset, o.EvaluationSamples, new Generator((ulong)o.Seed + 3000)))),
        };
        using (oneStepModel.UseAverage())
        {
            Add($"{oneStep}, 1 step (1 NFE)", new MeanFlowSampler(1), sampler => oneStepModel.Sample(sampler, noise));
            Add($"{oneStep}, 2 steps (2 NFE)", new MeanFlowSampler(2), sampler => oneStepModel.Sample(sampler, noise));
        }
        using (flowMatchingTrainer.UseAverage())
        {
            Add("flow matching, 1 Euler step", new OdeSampler(new EulerSolver(), 1), sampler => sampler.Sample(flowMatching, noise));
            Add("flow matching, 100 Euler steps", new OdeSampler(new EulerSolver(), 100), sampler => sampler.Sample(flowMatching, noise));
        }

        void Add<TSampler>(string title, TSampler sampler, Func<TSampler, Tensor> sample) where TSampler : ISampler
        {
            var watch = Stopwatch.StartNew();
            var points = sample(sampler);
            var samplingSeconds = watch.Elapsed.TotalSeconds;   // the sampler alone, not the measures below
            var m = Measure(points, heldOut);
            m["samplingSeconds"] = samplingSeconds;
            m["functionEvaluations"] = sampler.FunctionEvaluations;
            panels.Add((title, points, m));
        }

        var results = new JsonObject();
        foreach (var (title, _, m) in panels) results[title] = m;
        metrics["results"] = results;
        metrics["trainingSeconds"] = new JsonObject { [oneStep] = seconds[oneStep], ["flow matching"] = seconds["flow matching"] };
        // The energy distance of good samples sits at its estimator's noise floor at 20,000 points (held-out data scores about
        // zero, and may score below zero), so a ratio of energy distances says little; the sliced Wasserstein distance has a
        // positive floor and separates the samplers.
        var ratio = panels[1].Metrics["slicedWasserstein"]!.GetValue<double>() / panels[4].Metrics["slicedWasserstein"]!.GetValue<double>();
        metrics["oneStep1NfeOverFlowMatching100StepSlicedWasserstein"] = ratio;
        var verdict = o.Dataset == ToyDistribution.Checkerboard
            ? Toy2DEvaluation.Verdict(panels[4].Metrics["fractionOnBoard"]!.GetValue<double>(), panels[1].Metrics["fractionOnBoard"]!.GetValue<double>(), oneStep)
            : null;
        if (verdict is not null) metrics["verdict"] = verdict;
        JsonFile.Write(Path.Combine(o.Output, "metrics.json"), metrics);
        Toy2DPlots.Samples(Path.Combine(o.Output, "samples.png"), o.Dataset, panels.Select(p => (p.Title, p.Points, p.Metrics)).ToList());
        Toy2DPlots.LossCurves(Path.Combine(o.Output, "loss.png"), curves);
        Report(panels, ratio, verdict, oneStep);
        return 0;

        void Train(string name, IList<IProgress<TrainingMetrics>> progress, Action<Func<long, TrainingBatch?>> run, ConsoleProgress reporter, int stream)
        {
            var curve = curves[name] = new List<(long, double)>();
            progress.Add(reporter);
            progress.Add(new Recorder(curve));
            using var log = new CsvTrainingLog(Path.Combine(o.Output, $"{name.Replace(' ', '-')}-log.csv"));
            progress.Add(log);
            // Fresh data every step from a per-model stream, so both models see equally many distinct points.
            var data = new Generator((ulong)(o.Seed * 10 + stream));
            var watch = Stopwatch.StartNew();
            run(_ => new TrainingBatch(ToyDistributions.Sample(o.Dataset, o.BatchSize, data)));
            seconds[name] = watch.Elapsed.TotalSeconds;
            reporter.Complete();
        }
    }

    private MlpVelocityField NewField()
    {
        manual_seed(_options.Seed);   // both models start from the same initialisation
        return new MlpVelocityField(2, _options.Width, _options.Depth, timeScale: _options.TimeScale, timeFeatures: _options.TimeFeatures);
    }

    /// <summary>The two-head MLP of improved MeanFlow: the MLP's depth split into a shared trunk of depth − 1 layers and one
    /// layer per head, from the same seed.</summary>
    private GuidedMlpVelocityField NewGuidedField()
    {
        manual_seed(_options.Seed);
        return new GuidedMlpVelocityField(2, _options.Width, Math.Max(1, _options.Depth - 1), headDepth: 1, timeScale: _options.TimeScale);
    }

    private TrainerOptions TrainerOptionsFor(int stream) => new(
        _options.Steps, OptimizerKind.AdamW, _options.LearningRate, beta1: 0.9, beta2: 0.95, weightDecay: 0.0,
        warmupSteps: _options.WarmupSteps, decay: LearningRateDecay.Cosine, minLearningRate: _options.LearningRate * 0.05,
        emaDecays: new[] { _options.EmaDecay }, seed: _options.Seed * 10 + stream, logEvery: 25);

    private JsonObject Measure(Tensor points, Tensor reference) =>
        Toy2DEvaluation.Measure(_options.Dataset, points, reference, _options.Seed);

    private void Report(List<(string Title, Tensor Points, JsonObject Metrics)> panels, double ratio, string? verdict, string oneStep)
    {
        var fraction = Toy2DEvaluation.FractionKey(_options.Dataset);
        var table = new Table().AddColumns("samples", "NFE", "energy distance", "sliced Wasserstein",
            fraction switch { "fractionOnBoard" => "on the squares", "fractionNearMode" => "near a mode", _ => "–" });
        foreach (var (title, _, m) in panels)
            table.AddRow(title, m["functionEvaluations"]?.ToString() ?? "–", $"{m["energyDistance"]!.GetValue<double>():G4}",
                $"{m["slicedWasserstein"]!.GetValue<double>():G4}",
                fraction is not null && m[fraction] is { } f ? $"{f.GetValue<double>():P1}" : "–");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"1-NFE {oneStep} sliced Wasserstein distance / 100-step flow matching: [bold]{ratio:F2}×[/] (held-out data, the floor: the first row)");
        if (verdict is not null) AnsiConsole.MarkupLine($"[bold]{Markup.Escape(verdict)}[/]");
    }

    private sealed class Recorder(List<(long Step, double Loss)> curve) : IProgress<TrainingMetrics>
    {
        public void Report(TrainingMetrics value) => curve.Add((value.Step, value.AverageLoss));
    }
}
