using System;
using System.Linq;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFlow.Data;
using MeanFlow.Imaging;
using MeanFlow.Losses;
using MeanFlow.Models.UNet;
using MeanFlow.Normalization;
using MeanFlow.Objectives;
using MeanFlow.Samples;
using MeanFlow.Samples.Cifar10;
using MeanFlow.Sampling;
using MeanFlow.TimeSampling;
using MeanFlow.Training;
using Spectre.Console;
using static TorchSharp.torch;

// Unconditional CIFAR-10 with the U-Net of the official PyTorch MeanFlow and its configuration (DESIGN §3):
// SongUNet 128 channels, mult [2, 2, 2], 4 blocks, attention at 16×16, dropout 0.2; AdamW lr 6e-4, batch 1024,
// logit-normal(−2, 2), 75 % r ≠ t, adaptive p = 0.75, c = 1e-3, EMA 0.9999. --smoke trains the small preset for a
// few steps on synthetic data written in the CIFAR-10 binary format (CIFAR-10 is not on this machine).
var cli = new CommandLine("dotnet run -c Release --project samples/Cifar10 --",
        "Trains unconditional MeanFlow on CIFAR-10 (binary batches) with the official configuration; writes 1-NFE sample grids and checkpoints.\n" +
        "Documentation: docs/articles/samples.md#cifar-10, docs/articles/backbones-unet.md.")
    .Option("data", "", "folder of the CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin)")
    .Option("smoke", false, "write synthetic data in the CIFAR-10 format and train the small U-Net for a few steps")
    .Option("preset", "official", "official (55.9M parameters) or small")
    .Option("steps", 800000, "training steps")
    .Option("batch-size", 1024, "rows per step")
    .Option("lr", 6e-4, "AdamW learning rate (β = (0.9, 0.999) in the official code)")
    .Option("warmup", 10000, "learning-rate warm-up steps")
    .Option("ema", 0.9999, "EMA decay")
    .Option("sample-every", 10000, "steps between 1-NFE sample grids")
    .Option("checkpoint-every", 10000, "steps between checkpoints")
    .Option("resume", "", "checkpoint to resume from")
    .Option("device", "cpu", "cpu or cuda")
    .Option("threads", 2, "libtorch threads")
    .Option("seed", 0, "random seed")
    .Option("output", "", "run folder (default: runs/cifar10-<time>)");
try
{
    cli.Parse(args);
    if (cli.HelpRequested) { Console.WriteLine(cli.Usage()); return 0; }
    var smoke = cli.Bool("smoke");
    var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
    var output = cli.OptionalString("output") ?? Path.Combine("runs", $"cifar10-{(smoke ? "smoke-" : "")}{stamp}");
    Directory.CreateDirectory(Path.Combine(output, "samples"));
    set_num_threads(cli.Int("threads"));
    var seed = cli.Long("seed");
    var folder = smoke ? SyntheticCifar.Write(Path.Combine(output, "synthetic-data"), 64, (int)seed)
        : cli.OptionalString("data") ?? throw new ArgumentException("Option --data is required (or --smoke true).");
    using var train = MeanFlow.Data.Cifar10.Load(folder, DatasetSplit.Train);

    var steps = smoke ? 4 : cli.Long("steps");
    var batchSize = smoke ? 8 : cli.Int("batch-size");
    var preset = smoke ? "small" : cli.String("preset");
    var model = preset switch
    {
        "official" => SongUNet.MeanFlowCifar10(generator: new TorchSharp.torch.Generator((ulong)seed)),
        "small" => SongUNet.Small(32, 3, generator: new TorchSharp.torch.Generator((ulong)seed)),
        _ => throw new ArgumentException($"Option --preset: expected official or small, got '{preset}'."),
    };
    var normalizer = new MinMaxNormalizer(0, 1);
    var objective = new MeanFlowObjective(
        timeSampler: new MeanFlowTimeSampler(new LogitNormalTimeDistribution(-2.0, 2.0), distinctFraction: 0.75),
        weighting: new AdaptiveLossWeighting(power: 0.75, constant: 1e-3), normalizer: normalizer);
    var options = new TrainerOptions(steps, OptimizerKind.AdamW, cli.Double("lr"), 0.9, 0.999,
        warmupSteps: smoke ? 1 : cli.Long("warmup"), emaDecays: new[] { cli.Double("ema") }, seed: seed, device: new Device(cli.String("device")),
        logEvery: smoke ? 1 : 100, sampleEvery: smoke ? 2 : cli.Long("sample-every"), checkpointEvery: smoke ? 2 : cli.Long("checkpoint-every"),
        checkpointPath: Path.Combine(output, "checkpoint.bin"));
    var configuration = new JsonObject
    {
        ["preset"] = preset, ["parameters"] = model.parameters().Sum(p => p.numel()), ["steps"] = steps, ["batchSize"] = batchSize,
        ["lr"] = options.LearningRate, ["warmup"] = options.WarmupSteps, ["ema"] = cli.Double("ema"), ["timeDistribution"] = "logit-normal(-2, 2)",
        ["distinctFraction"] = 0.75, ["adaptivePower"] = 0.75, ["adaptiveConstant"] = 1e-3, ["dropout"] = model.Options.Dropout,
        ["smoke"] = smoke, ["data"] = Path.GetFullPath(folder), ["seed"] = seed,
    };
    AtomicFile.WriteAllText(Path.Combine(output, "config.json"), configuration.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    using var trainer = Trainer.Create(model, objective, options);
    if (cli.OptionalString("resume") is { } resume) trainer.LoadCheckpoint(resume);
    trainer.SampleDue += (_, e) =>
    {
        using var average = trainer.UseAverage();
        using var scope = NewDisposeScope();
        var noise = randn(new long[] { 64, 3, 32, 32 }, generator: new TorchSharp.torch.Generator((ulong)seed + 77)).to(trainer.Device);
        var images = normalizer.Denormalize(new MeanFlowSampler().Sample(model, noise)).clamp(0, 1);
        ImageGrid.Save(images.cpu(), Path.Combine(output, "samples", $"step-{e.Step:D7}.png"), columns: 8);
    };
    using var log = new CsvTrainingLog(Path.Combine(output, "log.csv"), append: trainer.Step > 0);
    trainer.Progress.Add(log);
    AnsiConsole.MarkupLine($"MeanFlow on CIFAR-10{(smoke ? " (smoke run, synthetic data)" : "")}: U-Net {preset}, {configuration["parameters"]} parameters, output [blue]{Markup.Escape(output)}[/]");
    ConsoleProgress.Run(new[] { "MeanFlow" }, reporters =>
    {
        trainer.Progress.Add(reporters[0]);
        trainer.Run(step =>
        {
            var rows = randint(0, train.Count, new long[] { batchSize }, generator: new TorchSharp.torch.Generator((ulong)(seed * 1_000_003 + step)));
            return new TrainingBatch(train.Data.index_select(0, rows));
        });
        reporters[0].Complete();
    });
    AnsiConsole.MarkupLine($"done: {trainer.Step} steps in {trainer.Elapsed:hh\\:mm\\:ss}");
    return 0;
}
catch (ArgumentException e)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}
