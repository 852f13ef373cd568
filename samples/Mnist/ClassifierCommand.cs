using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using MeanFlow.Data;
using MeanFlow.Evaluation;
using MeanFlow.Internal;
using Spectre.Console;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>
/// Trains the evaluation classifier on the real training set and saves it: the instrument behind the class
/// accuracy and the classifier-feature Fréchet distance reported by the evaluate command.
/// </summary>
internal static class ClassifierCommand
{
    private static readonly Option<string> Dataset = DataLocation.DatasetOption();
    private static readonly Option<string?> Data = DataLocation.DataOption();
    private static readonly Option<int> Epochs = SampleCommandLine.Option("epochs", 3, "training epochs");
    private static readonly Option<int> BatchSize = SampleCommandLine.Option("batch-size", 128, "rows per step");
    private static readonly Option<double> LearningRate = SampleCommandLine.Option("lr", 1e-3, "Adam learning rate");
    private static readonly Option<int> Threads = SampleCommandLine.Threads();
    private static readonly Option<long> Seed = SampleCommandLine.Seed();
    private static readonly Option<string?> Output = SampleCommandLine.Optional("output", "classifier file (default: runs/classifier-<dataset>.bin)");

    internal static Command Create()
    {
        var command = new Command("classifier",
            "Trains the small convolutional classifier used to evaluate generated digits (class accuracy, Fréchet distance in its features).\n" +
            "Documentation: docs/articles/evaluation.md.")
        {
            Dataset, Data, Epochs, BatchSize, LearningRate, Threads, Seed, Output,
        };
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult cli)
    {
        var dataset = cli.GetValue(Dataset)!;
        var folder = DataLocation.Resolve(cli.GetValue(Data), dataset);
        var output = cli.GetValue(Output) ?? Path.Combine("runs", $"classifier-{dataset}.bin");
        set_num_threads(cli.GetValue(Threads));
        var seed = cli.GetValue(Seed);
        manual_seed(seed);
        using var train = DataLocation.Load(dataset, folder, DatasetSplit.Train);
        using var test = DataLocation.Load(dataset, folder, DatasetSplit.Test);
        var classifier = new ConvClassifier(channels: 1, imageSize: 28, classes: train.ClassCount);
        var optimizer = optim.Adam(classifier.parameters(), cli.GetValue(LearningRate));
        // TorchSharp's DataLoader reshuffles every epoch from its seed; the datasets stay ours to dispose.
        using var loader = utils.data.DataLoader(train, cli.GetValue(BatchSize), shuffle: true, seed: (int)seed, disposeDataset: false);
        var watch = Stopwatch.StartNew();
        for (var epoch = 0; epoch < cli.GetValue(Epochs); epoch++)
        {
            classifier.train();
            double lossSum = 0;
            long batches = 0;
            foreach (var batch in loader)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(classifier.call(batch["data"]), batch["label"]);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                batches++;
            }
            var accuracy = Accuracy(classifier, test);
            AnsiConsole.MarkupLine($"epoch {epoch + 1}: training loss {lossSum / batches:F4}, test accuracy [bold]{accuracy:P2}[/] ({watch.Elapsed:mm\\:ss})");
        }
        using var weights = new MemoryStream();
        classifier.save(weights);
        AtomicFile.Write(output, weights.ToArray());
        AnsiConsole.MarkupLine($"saved [blue]{Markup.Escape(output)}[/]");
        return 0;
    }

    /// <summary>Fraction of <paramref name="data"/> the classifier labels correctly.</summary>
    internal static double Accuracy(ConvClassifier classifier, TensorDataset data)
    {
        long correct = 0;
        using var loader = utils.data.DataLoader(data, 1000, disposeDataset: false);
        foreach (var batch in loader)
        {
            using var scope = NewDisposeScope();
            correct += (classifier.Predict(batch["data"]) == batch["label"]).sum().item<long>();
        }
        return (double)correct / data.Count;
    }
}
