using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MeanFlow.Data;
using MeanFlow.Models.Mlp;
using MeanFlow.TimeSampling;
using static MeanFlow.Samples.SampleCommandLine;

namespace MeanFlow.Samples.Toy2D;

/// <summary>Everything the toy experiment is configured by; written to config.json in the run folder.</summary>
internal sealed class Toy2DOptions
{
    internal required ToyDistribution Dataset { get; init; }
    internal required string Objective { get; init; }
    internal required long Steps { get; init; }
    internal required int BatchSize { get; init; }
    internal required int Width { get; init; }
    internal required int Depth { get; init; }
    internal required double TimeScale { get; init; }
    internal required MlpTimeFeatures TimeFeatures { get; init; }
    internal required double LearningRate { get; init; }
    internal required long WarmupSteps { get; init; }
    internal required double DistinctFraction { get; init; }
    internal required string TimeDistribution { get; init; }
    internal required double TimeMean { get; init; }
    internal required double TimeStd { get; init; }
    internal required double AdaptivePower { get; init; }
    internal required double AdaptiveConstant { get; init; }
    internal required double EmaDecay { get; init; }
    internal required int EvaluationSamples { get; init; }
    internal required int Threads { get; init; }
    internal required long Seed { get; init; }
    internal required string Output { get; init; }

    /// <summary>The time distribution both objectives draw from.</summary>
    internal ITimeDistribution Times() => ObjectiveOptions.Times(TimeDistribution, TimeMean, TimeStd);

    /// <summary>The command line; <paramref name="run"/> receives the parsed options.</summary>
    internal static RootCommand Command(Func<Toy2DOptions, int> run)
    {
        var dataset = Choice("dataset", ToyDistribution.Checkerboard, "checkerboard, two-moons, eight-gaussians or spirals");
        var oneStep = Choice("objective", "meanflow",
            "the one-step model: meanflow (MeanFlow, single-head MLP) or imf (improved MeanFlow, two-head MLP; the toy data has no\n" +
            "classes, so guidance is inert: ω does nothing and sampling uses ω = 1)", "meanflow", "imf");
        var steps = Option("steps", 6000L, "training steps of each model");
        var batchSize = Option("batch-size", 1024, "rows per step");
        var width = Option("width", 256, "MLP hidden width");
        var depth = Option("depth", 4, "MLP hidden layers");
        var timeFeatures = Choice("time-features", MlpTimeFeatures.Raw, "MLP: time inputs enter raw or as sinusoidal embeddings");
        var timeScale = Option("time-scale", 1.0, "MLP: time inputs are multiplied by this (before the embedding, if any)");
        var learningRate = Option("lr", 2e-3, "peak learning rate (AdamW, β = (0.9, 0.95), cosine decay)");
        var warmup = Option("warmup", 200L, "learning-rate warm-up steps");
        var objective = new ObjectiveOptions(distinctFraction: 1.0, timeDistribution: "uniform", adaptivePower: 0.0);
        var ema = Option("ema", 0.999, "EMA decay of the weights used for sampling");
        var evaluationSamples = Option("eval-samples", 20000, "points drawn from each sampler and from held-out data");
        var threads = Threads();
        var seed = Seed("random seed (initialisation, training draws, evaluation)");
        var output = Optional("output", "run folder (default: runs/toy2d-<dataset>-<time>)");
        var root = new RootCommand(
            "Trains MeanFlow or improved MeanFlow (1-step) and flow matching on a 2-D distribution with the same MLP and budget, then compares\n" +
            "held-out data, 1- and 2-NFE samples of the one-step model and flow-matching samples at 1 and 100 Euler steps (samples.png, metrics.json).\n" +
            "Documentation: docs/articles/samples.md#toy2d, docs/articles/meanflow-identity.md.");
        foreach (var option in new Option[] { dataset, oneStep, steps, batchSize, width, depth, timeFeatures, timeScale, learningRate, warmup }
                     .Concat(objective.All).Concat(new Option[] { ema, evaluationSamples, threads, seed, output }))
            root.Options.Add(option);
        root.HelpName = "dotnet run -c Release --project samples/Toy2D --";
        root.SetAction(r =>
        {
            var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            return run(new Toy2DOptions
            {
                Dataset = Parse<ToyDistribution>(r.GetValue(dataset)!),
                Objective = r.GetValue(oneStep)!,
                Steps = r.GetValue(steps),
                BatchSize = r.GetValue(batchSize),
                Width = r.GetValue(width),
                Depth = r.GetValue(depth),
                TimeScale = r.GetValue(timeScale),
                TimeFeatures = Parse<MlpTimeFeatures>(r.GetValue(timeFeatures)!),
                LearningRate = r.GetValue(learningRate),
                WarmupSteps = r.GetValue(warmup),
                DistinctFraction = r.GetValue(objective.DistinctFraction),
                TimeDistribution = r.GetValue(objective.TimeDistribution)!,
                TimeMean = r.GetValue(objective.TimeMean),
                TimeStd = r.GetValue(objective.TimeStd),
                AdaptivePower = r.GetValue(objective.AdaptivePower),
                AdaptiveConstant = r.GetValue(objective.AdaptiveConstant),
                EmaDecay = r.GetValue(ema),
                EvaluationSamples = r.GetValue(evaluationSamples),
                Threads = r.GetValue(threads),
                Seed = r.GetValue(seed),
                Output = r.GetValue(output) ?? Path.Combine("runs", $"toy2d-{r.GetValue(dataset)}-{stamp}"),
            });
        });
        return root;
    }

    internal JsonObject ToJson() => new()
    {
        ["dataset"] = Dataset.ToString(),
        ["objective"] = Objective,
        ["steps"] = Steps,
        ["batchSize"] = BatchSize,
        ["width"] = Width,
        ["depth"] = Depth,
        ["timeScale"] = TimeScale,
        ["timeFeatures"] = TimeFeatures.ToString(),
        ["learningRate"] = LearningRate,
        ["warmupSteps"] = WarmupSteps,
        ["distinctFraction"] = DistinctFraction,
        ["timeDistribution"] = TimeDistribution,
        ["timeMean"] = TimeMean,
        ["timeStd"] = TimeStd,
        ["adaptivePower"] = AdaptivePower,
        ["adaptiveConstant"] = AdaptiveConstant,
        ["emaDecay"] = EmaDecay,
        ["evaluationSamples"] = EvaluationSamples,
        ["threads"] = Threads,
        ["seed"] = Seed,
    };
}
