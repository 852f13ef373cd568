using System;
using System.IO;
using System.Text.Json;
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
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>Trains a class-conditional MeanFlow or flow-matching model with trained-in classifier-free guidance.</summary>
internal static class TrainCommand
{
    internal static CommandLine Declare() => new CommandLine("dotnet run -c Release --project samples/Mnist -- train",
            "Trains a class-conditional MeanFlow (1-NFE) or flow-matching model on MNIST / Fashion-MNIST, writing a 1-NFE sample\n" +
            "grid (one row per class) every --sample-every steps, checkpoints, logs (CSV, JSON lines, TensorBoard), and at the end the evaluation.\n" +
            "Documentation: docs/articles/samples.md#mnist-and-fashion-mnist, docs/articles/training.md, docs/articles/results-mnist.md.")
        .Option("dataset", "mnist", "mnist or fashion-mnist")
        .Option("data", "", "folder with the IDX files (default: ../shared/data/<dataset>)")
        .Option("objective", "meanflow", "meanflow or flow-matching")
        .Option("backbone", "dit-tiny", Backbones.Names)
        .Option("conditioning", "time-and-interval", "time inputs: time-and-interval (t, t − r), time-and-start, time-start-and-interval, interval-only")
        .Option("time-scale", 1.0, "times are multiplied by this before the sinusoidal embedding (the DiT's own default, 1000, made MeanFlow diverge here)")
        .Option("steps", 20000, "training steps")
        .Option("batch-size", 128, "rows per step")
        .Option("lr", 1e-3, "peak learning rate (AdamW, β = (0.9, 0.95))")
        .Option("warmup", 500, "learning-rate warm-up steps, then cosine decay to 5 %")
        .Option("grad-clip", 1.0, "global gradient-norm clip (0 disables)")
        .Option("distinct-fraction", 0.25, "MeanFlow: fraction of rows with r ≠ t")
        .Option("time-distribution", "logit-normal", "logit-normal or uniform")
        .Option("time-mean", -0.4, "logit-normal mean")
        .Option("time-std", 1.0, "logit-normal standard deviation")
        .Option("adaptive-power", 1.0, "MeanFlow adaptive weighting p (0 = plain squared error)")
        .Option("adaptive-constant", 1e-3, "adaptive weighting c")
        .Option("cfg-scale", 1.0, "guidance ω")
        .Option("cfg-mixing", 0.5, "guidance κ (effective scale ω / (1 − κ))")
        .Option("cfg-drop", 0.1, "label drop probability")
        .Option("ema", 0.999, "EMA decay of the weights used for sampling")
        .Option("sample-every", 1000, "steps between sample grids")
        .Option("checkpoint-every", 1000, "steps between checkpoints")
        .Option("resume", "", "checkpoint to resume from")
        .Option("classifier", "", "evaluation classifier (default: runs/classifier-<dataset>.bin if it exists)")
        .Option("eval-per-class", 1000, "samples per class in the final evaluation")
        .Option("device", "cpu", "cpu or cuda")
        .Option("threads", 2, "libtorch threads")
        .Option("seed", 0, "random seed")
        .Option("output", "", "run folder (default: runs/mnist-<objective>-<time>)");

    internal static int Run(CommandLine cli)
    {
        var dataset = cli.String("dataset");
        var folder = DataLocation.Resolve(cli.OptionalString("data"), dataset);
        var objectiveName = cli.String("objective");
        if (objectiveName is not ("meanflow" or "flow-matching"))
            throw new ArgumentException($"Option --objective: expected meanflow or flow-matching, got '{objectiveName}'.");
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var output = cli.OptionalString("output") ?? Path.Combine("runs", $"{dataset}-{objectiveName}-{stamp}");
        var device = new Device(cli.String("device"));
        set_num_threads(cli.Int("threads"));
        Directory.CreateDirectory(Path.Combine(output, "samples"));

        using var train = DataLocation.Load(dataset, folder, DatasetSplit.Train);
        var classes = train.ClassCount;
        var conditioning = cli.Enum<TimeConditioning>("conditioning");
        var seed = cli.Long("seed");
        var model = Backbones.Create(cli.String("backbone"), classes, conditioning, TimeScale(cli), new Generator((ulong)seed));
        return model switch
        {
            MeanFlow.Models.DiT.MeanFlowDiT dit => Train(cli, dit, train, dataset, folder, objectiveName, output, device, seed),
            MeanFlow.Models.UNet.SongUNet unet => Train(cli, unet, train, dataset, folder, objectiveName, output, device, seed),
            _ => throw new InvalidOperationException($"No training path for {model.GetType().Name}."),
        };
    }

    private static int Train<TField>(CommandLine cli, TField model, TensorDataset train, string dataset, string folder, string objectiveName,
        string output, Device device, long seed) where TField : nn.Module, IVelocityField
    {
        var field = model;
        var classes = train.ClassCount;
        var objective = CreateObjective(cli, objectiveName, classes);
        var options = new TrainerOptions(cli.Long("steps"), OptimizerKind.AdamW, cli.Double("lr"), 0.9, 0.95,
            warmupSteps: cli.Long("warmup"), decay: LearningRateDecay.Cosine, minLearningRate: cli.Double("lr") * 0.05,
            maxGradientNorm: cli.Double("grad-clip") > 0 ? cli.Double("grad-clip") : null, emaDecays: new[] { cli.Double("ema") },
            seed: seed, device: device, logEvery: 50, sampleEvery: cli.Long("sample-every"), checkpointEvery: cli.Long("checkpoint-every"),
            checkpointPath: Path.Combine(output, "checkpoint.bin"));

        var configuration = Configuration(cli, classes);
        AtomicFile.WriteAllText(Path.Combine(output, "config.json"), configuration.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        using var trainer = Trainer.Create(model, objective, options);
        foreach (var (key, value) in configuration) trainer.Metadata[key] = value?.DeepClone();
        if (cli.OptionalString("resume") is { } resume)
        {
            trainer.LoadCheckpoint(resume);
            AnsiConsole.MarkupLine($"resumed from [blue]{Markup.Escape(resume)}[/] at step {trainer.Step}");
        }

        var preview = objectiveName == "meanflow" ? (ISampler)new MeanFlowSampler(1) : new OdeSampler(new EulerSolver(), 10);
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

        AnsiConsole.MarkupLine($"[bold]{objectiveName}[/] on {dataset}: {cli.String("backbone")}, {options.TotalSteps} steps × {cli.Int("batch-size")}, output [blue]{Markup.Escape(output)}[/]");
        var batchSize = cli.Int("batch-size");
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

        var classifier = cli.OptionalString("classifier") ?? Path.Combine("runs", $"classifier-{dataset}.bin");
        if (!File.Exists(classifier))
        {
            AnsiConsole.MarkupLine($"[yellow]no evaluation:[/] classifier {Markup.Escape(classifier)} not found (train it with the classifier command).");
            return 0;
        }
        return EvaluateCommand.Evaluate(Path.Combine(output, "checkpoint.bin"), classifier, dataset, folder, cli.Int("eval-per-class"), device, seed, output);
    }

    private static IObjective CreateObjective(CommandLine cli, string name, int classes)
    {
        ITimeDistribution times = cli.String("time-distribution") switch
        {
            "uniform" => new UniformTimeDistribution(),
            "logit-normal" => new LogitNormalTimeDistribution(cli.Double("time-mean"), cli.Double("time-std")),
            var other => throw new ArgumentException($"Option --time-distribution: expected logit-normal or uniform, got '{other}'."),
        };
        var guidance = new ClassifierFreeGuidance(nullClass: classes, scale: cli.Double("cfg-scale"), mixing: cli.Double("cfg-mixing"),
            dropProbability: cli.Double("cfg-drop"));
        return name == "meanflow"
            ? new MeanFlowObjective(timeSampler: new MeanFlowTimeSampler(times, cli.Double("distinct-fraction")),
                weighting: new AdaptiveLossWeighting(cli.Double("adaptive-power"), cli.Double("adaptive-constant")),
                normalizer: ClassSampling.Normalizer, guidance: guidance)
            : new FlowMatchingObjective(timeDistribution: times, normalizer: ClassSampling.Normalizer, guidance: guidance);
    }

    private static double TimeScale(CommandLine cli) => cli.Double("time-scale") is var s && double.IsFinite(s) && s > 0
        ? s
        : throw new ArgumentException($"Option --time-scale: expected a positive number, got '{cli.String("time-scale")}'.");

    private static JsonObject Configuration(CommandLine cli, int classes)
    {
        var json = Backbones.Describe(cli.String("backbone"), classes, cli.Enum<TimeConditioning>("conditioning"), TimeScale(cli));
        foreach (var name in new[] { "dataset", "objective", "steps", "batch-size", "lr", "warmup", "grad-clip", "distinct-fraction",
                     "time-distribution", "time-mean", "time-std", "adaptive-power", "adaptive-constant", "cfg-scale", "cfg-mixing",
                     "cfg-drop", "ema", "seed", "threads", "device" })
            json[name] = cli.String(name);
        return json;
    }
}
