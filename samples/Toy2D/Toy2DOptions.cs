using System.Text.Json.Nodes;
using MeanFlow.Data;

namespace MeanFlow.Samples.Toy2D;

/// <summary>Everything the toy experiment is configured by; written to config.json in the run folder.</summary>
internal sealed class Toy2DOptions
{
    internal required ToyDistribution Dataset { get; init; }
    internal required long Steps { get; init; }
    internal required int BatchSize { get; init; }
    internal required int Width { get; init; }
    internal required int Depth { get; init; }
    internal required double TimeScale { get; init; }
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
    internal MeanFlow.TimeSampling.ITimeDistribution Times() => TimeDistribution == "uniform"
        ? new MeanFlow.TimeSampling.UniformTimeDistribution()
        : new MeanFlow.TimeSampling.LogitNormalTimeDistribution(TimeMean, TimeStd);

    internal static CommandLine Declare() => new CommandLine("dotnet run -c Release --project samples/Toy2D --",
            "Trains MeanFlow (1-step) and flow matching on a 2-D distribution with the same MLP and budget, then compares\n" +
            "held-out data, 1-NFE MeanFlow samples and flow-matching samples at 1 and 100 Euler steps (samples.png, metrics.json).\n" +
            "Documentation: docs/articles/samples.md#toy2d, docs/articles/meanflow-identity.md.")
        .Option("dataset", "checkerboard", "checkerboard, two-moons, eight-gaussians or spirals")
        .Option("steps", 4000, "training steps of each model")
        .Option("batch-size", 1024, "rows per step")
        .Option("width", 256, "MLP hidden width")
        .Option("depth", 4, "MLP hidden layers")
        .Option("time-scale", 1.0, "MLP: times are multiplied by this before the sinusoidal embedding")
        .Option("lr", 2e-3, "peak learning rate (AdamW, β = (0.9, 0.95), cosine decay)")
        .Option("warmup", 200, "learning-rate warm-up steps")
        .Option("distinct-fraction", 1.0, "MeanFlow: fraction of rows with r ≠ t")
        .Option("time-distribution", "uniform", "distribution of the two time draws: uniform or logit-normal")
        .Option("time-mean", -0.4, "logit-normal time distribution: mean")
        .Option("time-std", 1.0, "logit-normal time distribution: standard deviation")
        .Option("adaptive-power", 0.0, "MeanFlow adaptive loss weighting: p (0 = plain squared error)")
        .Option("adaptive-constant", 1e-3, "MeanFlow adaptive loss weighting: c")
        .Option("ema", 0.999, "EMA decay of the weights used for sampling")
        .Option("eval-samples", 5000, "points drawn from each sampler and from held-out data")
        .Option("threads", 2, "libtorch threads")
        .Option("seed", 0, "random seed (initialisation, training draws, evaluation)")
        .Option("output", "", "run folder (default: runs/toy2d-<dataset>-<time>)");

    internal static Toy2DOptions From(CommandLine cli, string defaultOutput) => new()
    {
        Dataset = cli.Enum<ToyDistribution>("dataset"),
        Steps = cli.Long("steps"),
        BatchSize = cli.Int("batch-size"),
        Width = cli.Int("width"),
        Depth = cli.Int("depth"),
        TimeScale = cli.Double("time-scale"),
        LearningRate = cli.Double("lr"),
        WarmupSteps = cli.Long("warmup"),
        DistinctFraction = cli.Double("distinct-fraction"),
        TimeDistribution = cli.String("time-distribution") is "uniform" or "logit-normal"
            ? cli.String("time-distribution")
            : throw new System.ArgumentException($"Option --time-distribution: expected uniform or logit-normal, got '{cli.String("time-distribution")}'."),
        TimeMean = cli.Double("time-mean"),
        TimeStd = cli.Double("time-std"),
        AdaptivePower = cli.Double("adaptive-power"),
        AdaptiveConstant = cli.Double("adaptive-constant"),
        EmaDecay = cli.Double("ema"),
        EvaluationSamples = cli.Int("eval-samples"),
        Threads = cli.Int("threads"),
        Seed = cli.Long("seed"),
        Output = cli.OptionalString("output") ?? defaultOutput,
    };

    internal JsonObject ToJson() => new()
    {
        ["dataset"] = Dataset.ToString(),
        ["steps"] = Steps,
        ["batchSize"] = BatchSize,
        ["width"] = Width,
        ["depth"] = Depth,
        ["timeScale"] = TimeScale,
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
