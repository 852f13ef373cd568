using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MeanFlow.Data;
using MeanFlow.Evaluation;
using MeanFlow.Fields;
using MeanFlow.Sampling;
using MeanFlow.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>
/// Samples a trained model at several step counts and reports, per sampler, the class accuracy of the samples (the
/// evaluation classifier's prediction against the requested class) and the Fréchet distance between the classifier's
/// features of the samples and of the real test set ("classifier Fréchet distance"; not the Inception FID).
/// </summary>
internal static class EvaluateCommand
{
    private static readonly Option<string> Checkpoint = new("--checkpoint") { Description = "checkpoint written by the train command", Required = true };
    private static readonly Option<string?> Classifier = SampleCommandLine.Optional("classifier", "evaluation classifier (default: runs/classifier-<dataset>.bin)");
    private static readonly Option<string?> Data = DataLocation.DataOption();
    private static readonly Option<int> PerClass = SampleCommandLine.Option("per-class", 1000, "samples per class");
    private static readonly Option<string> DeviceName = SampleCommandLine.Device();
    private static readonly Option<int> Threads = SampleCommandLine.Threads();
    private static readonly Option<long> Seed = SampleCommandLine.Seed("random seed of the noise");

    internal static Command Create()
    {
        var command = new Command("evaluate",
            "Evaluates a checkpoint: MeanFlow at 1 and 2 steps, flow matching at 1, 2, 10 and 50 Euler steps, improved MeanFlow at 1 and 2\n" +
            "steps with guidance ω = 1, 2 and 4 (interval [0, 1]).\n" +
            "Documentation: docs/articles/evaluation.md, docs/articles/results-mnist.md.")
        {
            Checkpoint, Classifier, Data, PerClass, DeviceName, Threads, Seed,
        };
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult cli)
    {
        var checkpoint = cli.GetValue(Checkpoint)!;
        if (!File.Exists(checkpoint)) throw new ArgumentException($"Option --checkpoint: file '{checkpoint}' does not exist.");
        var info = TrainingCheckpoint.ReadInfo(checkpoint);
        var dataset = info.Metadata["dataset"]!.GetValue<string>();
        var folder = DataLocation.Resolve(cli.GetValue(Data), dataset);
        var classifier = cli.GetValue(Classifier) ?? Path.Combine("runs", $"classifier-{dataset}.bin");
        set_num_threads(cli.GetValue(Threads));
        return Evaluate(checkpoint, classifier, dataset, folder, cli.GetValue(PerClass), new Device(cli.GetValue(DeviceName)!), cli.GetValue(Seed),
            Path.GetDirectoryName(Path.GetFullPath(checkpoint))!);
    }

    internal static int Evaluate(string checkpoint, string classifierPath, string dataset, string folder, int perClass, Device device, long seed, string output)
    {
        if (!File.Exists(classifierPath)) throw new ArgumentException($"Classifier '{classifierPath}' not found; train it with the classifier command.");
        var info = TrainingCheckpoint.ReadInfo(checkpoint);
        var model = Backbones.FromDescription(info.Metadata, new Generator(0));
        TrainingCheckpoint.LoadWeights(checkpoint, model, average: 0);
        model.to(device);
        model.eval();
        var field = (IVelocityField)model;
        var classes = info.Metadata["classes"]!.GetValue<int>();
        var classifier = new ConvClassifier(classes: classes);
        classifier.load(classifierPath);
        classifier.to(device);
        classifier.eval();

        using var test = DataLocation.Load(dataset, folder, DatasetSplit.Test);
        using var real = GaussianStatistics.FromImages(classifier, Batches(test.Data.to(device)));
        var objective = info.Metadata["objective"]!.GetValue<string>();
        var isMeanFlow = objective == "meanflow";
        var samplers = new List<(string Name, ISampler Sampler)>
        {
            ("MeanFlow 1 step", new MeanFlowSampler(1)), ("MeanFlow 2 steps", new MeanFlowSampler(2)),
            ("Euler 1 step", new OdeSampler(new EulerSolver(), 1)), ("Euler 2 steps", new OdeSampler(new EulerSolver(), 2)),
            ("Euler 10 steps", new OdeSampler(new EulerSolver(), 10)), ("Euler 50 steps", new OdeSampler(new EulerSolver(), 50)),
        };
        // A MeanFlow model is sampled with its own sampler; a flow-matching model only has an instantaneous velocity; an
        // improved-MeanFlow model is sampled at 1 and 2 steps at three guidance scales chosen now, from the one model.
        samplers = objective == "imf"
            ? (from steps in new[] { 1, 2 } from omega in new[] { 1.0, 2.0, 4.0 }
               select ($"iMF {steps} step{(steps > 1 ? "s" : "")} ω={omega}", (ISampler)new GuidedMeanFlowSampler(steps, omega))).ToList()
            : samplers.FindAll(s => isMeanFlow ? s.Sampler is MeanFlowSampler : s.Sampler is OdeSampler);

        var results = new JsonObject();
        var table = new Table().AddColumns("sampler", "NFE", "class accuracy", "classifier Fréchet distance", "seconds");
        var labels = ClassSampling.Labels(classes, perClass, device);
        foreach (var (name, sampler) in samplers)
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            var images = ClassSampling.Sample(sampler, field, labels, new Generator((ulong)seed + 4242));
            var seconds = watch.Elapsed.TotalSeconds;
            var accuracy = (classifier.Predict(images) == labels).to(ScalarType.Float64).mean().item<double>();
            using var generated = GaussianStatistics.FromImages(classifier, Batches(images));
            var distance = FrechetDistance.Compute(generated, real);
            results[name] = new JsonObject
            {
                ["functionEvaluations"] = sampler.FunctionEvaluations, ["classAccuracy"] = accuracy,
                ["classifierFrechetDistance"] = distance, ["samplingSeconds"] = seconds, ["samples"] = labels.shape[0],
            };
            table.AddRow(name, sampler.FunctionEvaluations.ToString(), $"{accuracy:P2}", $"{distance:F3}", $"{seconds:F1}");
            ClassSampling.SaveGrid(sampler, field, classes, 10, device, new Generator((ulong)seed + 77),
                Path.Combine(output, $"eval-{name.Replace(' ', '-').Replace("ω=", "w").ToLowerInvariant()}.png"));
        }
        var realAccuracy = ClassifierAccuracy(classifier, test, device);
        var report = new JsonObject
        {
            ["checkpoint"] = Path.GetFullPath(checkpoint), ["step"] = info.Step, ["trainingSeconds"] = info.Elapsed.TotalSeconds,
            ["classifierTestAccuracy"] = realAccuracy, ["samplesPerClass"] = perClass, ["results"] = results,
        };
        JsonFile.Write(Path.Combine(output, "evaluation.json"), report);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"classifier accuracy on the real test set: {realAccuracy:P2}; written [blue]{Markup.Escape(Path.Combine(output, "evaluation.json"))}[/]");
        return 0;
    }

    private static IEnumerable<Tensor> Batches(Tensor images)
    {
        for (long start = 0; start < images.shape[0]; start += 1000)
            yield return images.narrow(0, start, Math.Min(1000, images.shape[0] - start));
    }

    private static double ClassifierAccuracy(ConvClassifier classifier, TensorDataset test, Device device)
    {
        using var scope = NewDisposeScope();
        return (classifier.Predict(test.Data.to(device)) == test.Labels!.to(device)).to(ScalarType.Float64).mean().item<double>();
    }
}
