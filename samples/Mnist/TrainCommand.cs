using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.IO;
using System.Text.Json.Nodes;
using MeanFlow.Data;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Losses;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using MeanFlow.TimeSampling;
using MeanFlow.Training;
using Spectre.Console;
using TorchSharp;
using static MeanFlow.Samples.SampleCommandLine;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>Trains a class-conditional MeanFlow or flow-matching model with trained-in classifier-free guidance.</summary>
internal static class TrainCommand
{
    private static readonly Option<string> Dataset = DataLocation.DatasetOption();
    private static readonly Option<string?> Data = DataLocation.DataOption();
    private static readonly Option<string> Objective = Choice("objective", "meanflow",
        "meanflow, flow-matching or imf (improved MeanFlow: two heads, guidance as an input; needs --backbone imf-dit-tiny, imf-unet-small or imf-unet-tiny;\n" +
        "its defaults are the official --distinct-fraction 0.5 and --adaptive-constant 0.01 unless given)",
        "meanflow", "flow-matching", "imf");
    private static readonly Option<string> Backbone = Option("backbone", "dit-tiny", Backbones.Names);
    private static readonly Option<string> Conditioning = Choice("conditioning", TimeConditioning.TimeAndInterval,
        "time inputs: time-and-interval (t, t − r), time-and-start, time-start-and-interval, interval-only");
    private static readonly Option<double> TimeScale = Option("time-scale", 1.0,
        "times are multiplied by this before the sinusoidal embedding (the DiT's own default, 1000, made MeanFlow diverge here)");
    private static readonly Option<long> Steps = Option("steps", 20000L, "training steps");
    private static readonly Option<int> BatchSize = Option("batch-size", 128, "rows per step");
    private static readonly Option<double> LearningRate = Option("lr", 1e-3, "peak learning rate (AdamW, β = (0.9, 0.95))");
    private static readonly Option<long> Warmup = Option("warmup", 500L, "learning-rate warm-up steps, then cosine decay to 5 %");
    private static readonly Option<double> GradClip = Option("grad-clip", 1.0, "global gradient-norm clip (0 disables)");
    private static readonly ObjectiveOptions ObjectiveSettings = new(distinctFraction: 0.25, timeDistribution: "logit-normal", adaptivePower: 1.0);
    private static readonly Option<double> CfgScale = Option("cfg-scale", 1.0, "guidance ω (imf: ω of the preview grids; training draws ω)");
    private static readonly Option<double> CfgMixing = Option("cfg-mixing", 0.5, "guidance κ (effective scale ω / (1 − κ); not used by imf)");
    private static readonly Option<double> CfgMaxScale = Option("cfg-max-scale", 7.0, "imf: s_max, training ω is drawn in [1, 1 + s_max] with density ∝ 1/ω");
    private static readonly Option<double> CfgDrop = Option("cfg-drop", 0.1, "label drop probability");
    private static readonly Option<double> Ema = Option("ema", 0.999, "EMA decay of the weights used for sampling");
    private static readonly Option<long> SampleEvery = Option("sample-every", 1000L, "steps between sample grids");
    private static readonly Option<long> CheckpointEvery = Option("checkpoint-every", 1000L, "steps between checkpoints");
    private static readonly Option<string?> Resume = Optional("resume", "checkpoint to resume from");
    private static readonly Option<string?> Classifier = Optional("classifier", "evaluation classifier (default: runs/classifier-<dataset>.bin if it exists)");
    private static readonly Option<int> EvalPerClass = Option("eval-per-class", 1000, "samples per class in the final evaluation");
    private static readonly Option<string> DeviceName = Device();
    private static readonly Option<int> Threads = SampleCommandLine.Threads();
    private static readonly Option<long> Seed = SampleCommandLine.Seed();
    private static readonly Option<string?> Output = Optional("output", "run folder (default: runs/mnist-<objective>-<time>)");

    internal static Command Create()
    {
        var command = new Command("train",
            "Trains a class-conditional MeanFlow (1-NFE) or flow-matching model on MNIST / Fashion-MNIST, writing a 1-NFE sample\n" +
            "grid (one row per class) every --sample-every steps, checkpoints, logs (CSV, JSON lines, TensorBoard), and at the end the evaluation.\n" +
            "Documentation: docs/articles/samples.md#mnist-and-fashion-mnist, docs/articles/training.md, docs/articles/results-mnist.md.");
        foreach (var option in new Option[] { Dataset, Data, Objective, Backbone, Conditioning, TimeScale, Steps, BatchSize, LearningRate, Warmup, GradClip }
                     .Concat(ObjectiveSettings.All)
                     .Concat(new Option[] { CfgScale, CfgMixing, CfgMaxScale, CfgDrop, Ema, SampleEvery, CheckpointEvery, Resume, Classifier, EvalPerClass, DeviceName, Threads, Seed, Output }))
            command.Options.Add(option);
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult cli)
    {
        var dataset = cli.GetValue(Dataset)!;
        var folder = DataLocation.Resolve(cli.GetValue(Data), dataset);
        var objectiveName = cli.GetValue(Objective)!;
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var output = cli.GetValue(Output) ?? Path.Combine("runs", $"{dataset}-{objectiveName}-{stamp}");
        var device = new Device(cli.GetValue(DeviceName)!);
        set_num_threads(cli.GetValue(Threads));
        Directory.CreateDirectory(Path.Combine(output, "samples"));

        using var train = DataLocation.Load(dataset, folder, DatasetSplit.Train);
        var classes = train.ClassCount;
        var seed = cli.GetValue(Seed);
        if ((objectiveName == "imf") != Backbones.IsImproved(cli.GetValue(Backbone)!))
            throw new ArgumentException(
                $"Option --objective imf goes with --backbone imf-dit-tiny, imf-unet-small or imf-unet-tiny (two-head, guidance-conditioned networks) and only with them; got --objective {objectiveName} --backbone {cli.GetValue(Backbone)}.");
        var model = Backbones.Create(cli.GetValue(Backbone)!, classes, Conditions(cli), PositiveTimeScale(cli), new Generator((ulong)seed));
        return model switch
        {
            MeanFlow.Models.DiT.MeanFlowDiT dit => Train(cli, dit, train, dataset, folder, objectiveName, output, device, seed),
            MeanFlow.Models.Imf.ImprovedMeanFlowDiT imf => Train(cli, imf, train, dataset, folder, objectiveName, output, device, seed),
            MeanFlow.Models.UNet.SongUNet unet => Train(cli, unet, train, dataset, folder, objectiveName, output, device, seed),
            _ => throw new InvalidOperationException($"No training path for {model.GetType().Name}."),
        };
    }

    private static int Train<TField>(ParseResult cli, TField model, TensorDataset train, string dataset, string folder, string objectiveName,
        string output, Device device, long seed) where TField : nn.Module, IVelocityField
    {
        var field = model;
        var classes = train.ClassCount;
        var objective = CreateObjective(cli, objectiveName, classes);
        var options = new TrainerOptions(cli.GetValue(Steps), OptimizerKind.AdamW, cli.GetValue(LearningRate), 0.9, 0.95,
            warmupSteps: cli.GetValue(Warmup), decay: LearningRateDecay.Cosine, minLearningRate: cli.GetValue(LearningRate) * 0.05,
            maxGradientNorm: cli.GetValue(GradClip) > 0 ? cli.GetValue(GradClip) : null, emaDecays: new[] { cli.GetValue(Ema) },
            seed: seed, device: device, logEvery: 50, sampleEvery: cli.GetValue(SampleEvery), checkpointEvery: cli.GetValue(CheckpointEvery),
            checkpointPath: Path.Combine(output, "checkpoint.bin"));

        var configuration = Configuration(cli, classes, objective);
        JsonFile.Write(Path.Combine(output, "config.json"), configuration);
        using var trainer = Trainer.Create(model, objective, options);
        foreach (var (key, value) in configuration) trainer.Metadata[key] = value?.DeepClone();
        if (cli.GetValue(Resume) is { } resume)
        {
            trainer.LoadCheckpoint(resume);
            AnsiConsole.MarkupLine($"resumed from [blue]{Markup.Escape(resume)}[/] at step {trainer.Step}");
        }

        ISampler preview = objectiveName switch
        {
            "meanflow" => new MeanFlowSampler(1),
            "imf" => new GuidedMeanFlowSampler(1, cli.GetValue(CfgScale)),     // 1 NFE at the --cfg-scale ω, chosen at sampling time
            _ => new OdeSampler(new EulerSolver(), 10),
        };
        trainer.SampleDue += (_, e) =>
        {
            using var average = trainer.UseAverage();
            // The same noise at every step, so that the grids are comparable.
            ClassSampling.SaveGrid(preview, field, classes, 10, trainer.Device, new Generator((ulong)seed + 77),
                Path.Combine(output, "samples", $"step-{e.Step:D6}.png"));
        };
        using var csv = new CsvTrainingLog(Path.Combine(output, "log.csv"), append: trainer.Step > 0);
        using var jsonl = new JsonLinesTrainingLog(Path.Combine(output, "log.jsonl"), append: trainer.Step > 0);
        trainer.Progress.Add(csv);
        trainer.Progress.Add(jsonl);
        trainer.Progress.Add(new TensorBoardTrainingLog(Path.Combine(output, "tensorboard")));

        var batchSize = cli.GetValue(BatchSize);
        AnsiConsole.MarkupLine($"[bold]{objectiveName}[/] on {dataset}: {cli.GetValue(Backbone)}, {options.TotalSteps} steps × {batchSize}, output [blue]{Markup.Escape(output)}[/]");
        ConsoleProgress.Run(new[] { objectiveName }, reporters =>
        {
            trainer.Progress.Add(reporters[0]);
            // Step s draws its rows from a generator seeded by (seed, s): the same batches after a resume.
            trainer.Run(step =>
            {
                var rows = randint(0, train.Count, new long[] { batchSize }, generator: new Generator((ulong)(seed * 1_000_003 + step)));
                return new TrainingBatch(train.Data.index_select(0, rows), train.Labels!.index_select(0, rows));
            });
            reporters[0].Complete();
        });
        AnsiConsole.MarkupLine($"trained in {trainer.Elapsed:hh\\:mm\\:ss}; checkpoint [blue]{Markup.Escape(Path.Combine(output, "checkpoint.bin"))}[/]");

        var classifier = cli.GetValue(Classifier) ?? Path.Combine("runs", $"classifier-{dataset}.bin");
        if (!File.Exists(classifier))
        {
            AnsiConsole.MarkupLine($"[yellow]no evaluation:[/] classifier {Markup.Escape(classifier)} not found (train it with the classifier command).");
            return 0;
        }
        return EvaluateCommand.Evaluate(Path.Combine(output, "checkpoint.bin"), classifier, dataset, folder, cli.GetValue(EvalPerClass), device, seed, output);
    }

    private static IObjective CreateObjective(ParseResult cli, string name, int classes)
    {
        if (name == "imf")
            // The official iMF settings unless given: half the rows r ≠ t and c = 0.01 (the logit-normal(−0.4, 1) times and
            // p = 1 are MeanFlow's too); the guidance is drawn per row.
            return new ImprovedMeanFlowObjective(timeSampler: ObjectiveSettings.TimeSampler(cli, distinctFractionDefault: 0.5),
                weighting: ObjectiveSettings.Weighting(cli, constantDefault: 0.01),
                normalizer: ClassSampling.Normalizer,
                guidance: new GuidanceConditionSampler(nullClass: classes, maxScale: cli.GetValue(CfgMaxScale), dropProbability: cli.GetValue(CfgDrop)));
        var guidance = new ClassifierFreeGuidance(nullClass: classes, scale: cli.GetValue(CfgScale), mixing: cli.GetValue(CfgMixing),
            dropProbability: cli.GetValue(CfgDrop));
        return name == "meanflow"
            ? new MeanFlowObjective(timeSampler: ObjectiveSettings.TimeSampler(cli), weighting: ObjectiveSettings.Weighting(cli),
                normalizer: ClassSampling.Normalizer, guidance: guidance)
            : new FlowMatchingObjective(timeDistribution: ObjectiveSettings.Times(cli), normalizer: ClassSampling.Normalizer, guidance: guidance);
    }

    private static TimeConditioning Conditions(ParseResult cli) => Parse<TimeConditioning>(cli.GetValue(Conditioning)!);

    private static double PositiveTimeScale(ParseResult cli) => cli.GetValue(TimeScale) is var s && double.IsFinite(s) && s > 0
        ? s
        : throw new ArgumentException($"Option --time-scale: expected a positive number, got '{cli.GetValue(TimeScale)}'.");

    /// <summary>config.json: every option's value, except that the fraction of rows with r ≠ t and c are the ones the
    /// objective uses (imf's own defaults apply when those options are not given).</summary>
    private static JsonObject Configuration(ParseResult cli, int classes, IObjective objective)
    {
        var json = Backbones.Describe(cli.GetValue(Backbone)!, classes, Conditions(cli), PositiveTimeScale(cli));
        var recorded = new Option[] { Dataset, Objective, Steps, BatchSize, LearningRate, Warmup, GradClip }.Concat(ObjectiveSettings.All)
            .Concat(new Option[] { CfgScale, CfgMixing, CfgMaxScale, CfgDrop, Ema, Seed, Threads, DeviceName }).ToArray();
        foreach (var (name, value) in Values(cli, recorded)) json[name] = value?.DeepClone();
        if (objective is ImprovedMeanFlowObjective { TimeSampler: MeanFlowTimeSampler times, Weighting: AdaptiveLossWeighting weighting })
        {
            json["distinct-fraction"] = times.DistinctFraction.ToString(CultureInfo.InvariantCulture);
            json["adaptive-constant"] = weighting.Constant.ToString(CultureInfo.InvariantCulture);
        }
        return json;
    }
}
