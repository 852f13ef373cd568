using System;
using System.CommandLine;
using System.Linq;
using System.IO;
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
using static MeanFlow.Samples.SampleCommandLine;
using static TorchSharp.torch;

// Unconditional CIFAR-10 with the U-Net of the official PyTorch MeanFlow and its configuration (DESIGN §3):
// SongUNet 128 channels, mult [2, 2, 2], 4 blocks, attention at 16×16, dropout 0.2; AdamW lr 6e-4, batch 1024,
// logit-normal(−2, 2), 75 % r ≠ t, adaptive p = 0.75, c = 1e-3, EMA 0.9999. --smoke trains the small preset for a
// few steps on synthetic data written in the CIFAR-10 binary format (CIFAR-10 is not on this machine).
var data = Optional("data", "folder of the CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin)");
var smokeOption = Option("smoke", false, "write synthetic data in the CIFAR-10 format and train the small U-Net for a few steps");
var presetOption = Choice("preset", "official", "official (55.9M parameters) or small", "official", "small");
var stepsOption = Option("steps", 800000L, "training steps");
var batchSizeOption = Option("batch-size", 1024, "rows per step");
var learningRate = Option("lr", 6e-4, "AdamW learning rate (β = (0.9, 0.999) in the official code)");
var warmup = Option("warmup", 10000L, "learning-rate warm-up steps");
var ema = Option("ema", 0.9999, "EMA decay");
var sampleEvery = Option("sample-every", 10000L, "steps between 1-NFE sample grids");
var checkpointEvery = Option("checkpoint-every", 10000L, "steps between checkpoints");
var resumeOption = Optional("resume", "checkpoint to resume from");
var deviceName = SampleCommandLine.Device();
var threads = Threads();
var seedOption = Seed();
var outputOption = Optional("output", "run folder (default: runs/cifar10-<time>)");
var root = new RootCommand(
    "Trains unconditional MeanFlow on CIFAR-10 (binary batches) with the official configuration; writes 1-NFE sample grids and checkpoints.\n" +
    "Documentation: docs/articles/samples.md#cifar-10, docs/articles/backbones-unet.md.")
{
    data, smokeOption, presetOption, stepsOption, batchSizeOption, learningRate, warmup, ema, sampleEvery, checkpointEvery, resumeOption,
    deviceName, threads, seedOption, outputOption,
};
root.HelpName = "dotnet run -c Release --project samples/Cifar10 --";
root.SetAction(cli =>
{
    var smoke = cli.GetValue(smokeOption);
    var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
    var output = cli.GetValue(outputOption) ?? Path.Combine("runs", $"cifar10-{(smoke ? "smoke-" : "")}{stamp}");
    Directory.CreateDirectory(Path.Combine(output, "samples"));
    set_num_threads(cli.GetValue(threads));
    var seed = cli.GetValue(seedOption);
    var folder = smoke ? SyntheticCifar.Write(Path.Combine(output, "synthetic-data"), 64, (int)seed)
        : cli.GetValue(data) ?? throw new ArgumentException("Option --data is required (or --smoke true).");
    using var train = MeanFlow.Data.Cifar10.Load(folder, DatasetSplit.Train);

    var steps = smoke ? 4 : cli.GetValue(stepsOption);
    var batchSize = smoke ? 8 : cli.GetValue(batchSizeOption);
    var preset = smoke ? "small" : cli.GetValue(presetOption)!;
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
    var options = new TrainerOptions(steps, OptimizerKind.AdamW, cli.GetValue(learningRate), 0.9, 0.999,
        warmupSteps: smoke ? 1 : cli.GetValue(warmup), emaDecays: new[] { cli.GetValue(ema) }, seed: seed, device: new Device(cli.GetValue(deviceName)!),
        logEvery: smoke ? 1 : 100, sampleEvery: smoke ? 2 : cli.GetValue(sampleEvery), checkpointEvery: smoke ? 2 : cli.GetValue(checkpointEvery),
        checkpointPath: Path.Combine(output, "checkpoint.bin"));
    var configuration = new JsonObject
    {
        ["preset"] = preset, ["parameters"] = model.parameters().Sum(p => p.numel()), ["steps"] = steps, ["batchSize"] = batchSize,
        ["lr"] = options.LearningRate, ["warmup"] = options.WarmupSteps, ["ema"] = cli.GetValue(ema), ["timeDistribution"] = "logit-normal(-2, 2)",
        ["distinctFraction"] = 0.75, ["adaptivePower"] = 0.75, ["adaptiveConstant"] = 1e-3, ["dropout"] = model.Options.Dropout,
        ["smoke"] = smoke, ["data"] = Path.GetFullPath(folder), ["seed"] = seed,
    };
    JsonFile.Write(Path.Combine(output, "config.json"), configuration);
    using var trainer = Trainer.Create(model, objective, options);
    if (cli.GetValue(resumeOption) is { } resume) trainer.LoadCheckpoint(resume);
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
});
return SampleCommandLine.Run(root, args);
