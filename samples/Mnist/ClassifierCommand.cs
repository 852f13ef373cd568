using System;
using System.Diagnostics;
using System.IO;
using MeanFlow.Data;
using MeanFlow.Evaluation;
using Spectre.Console;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>
/// Trains the evaluation classifier on the real training set and saves it: the instrument behind the class
/// accuracy and the classifier-feature Fréchet distance reported by the evaluate command.
/// </summary>
internal static class ClassifierCommand
{
    internal static CommandLine Declare() => new CommandLine("dotnet run -c Release --project samples/Mnist -- classifier",
            "Trains the small convolutional classifier used to evaluate generated digits (class accuracy, Fréchet distance in its features).\n" +
            "Documentation: docs/articles/evaluation.md.")
        .Option("dataset", "mnist", "mnist or fashion-mnist")
        .Option("data", "", "folder with the IDX files (default: ../shared/data/<dataset>)")
        .Option("epochs", 3, "training epochs")
        .Option("batch-size", 128, "rows per step")
        .Option("lr", 1e-3, "Adam learning rate")
        .Option("threads", 2, "libtorch threads")
        .Option("seed", 0, "random seed")
        .Option("output", "", "classifier file (default: runs/classifier-<dataset>.bin)");

    internal static int Run(CommandLine cli)
    {
        var dataset = cli.String("dataset");
        var folder = DataLocation.Resolve(cli.OptionalString("data"), dataset);
        var output = cli.OptionalString("output") ?? Path.Combine("runs", $"classifier-{dataset}.bin");
        set_num_threads(cli.Int("threads"));
        manual_seed(cli.Long("seed"));
        using var train = DataLocation.Load(dataset, folder, DatasetSplit.Train);
        using var test = DataLocation.Load(dataset, folder, DatasetSplit.Test);
        var classifier = new ConvClassifier(channels: 1, imageSize: 28, classes: train.ClassCount);
        var optimizer = optim.Adam(classifier.parameters(), cli.Double("lr"));
        var loader = new BatchLoader(train, cli.Int("batch-size"), new Generator((ulong)cli.Long("seed")));
        var watch = Stopwatch.StartNew();
        for (var epoch = 0; epoch < cli.Int("epochs"); epoch++)
        {
            classifier.train();
            double lossSum = 0;
            long batches = 0;
            foreach (var batch in loader)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(classifier.call(batch.Data), batch.Labels!);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                batches++;
            }
            var accuracy = Accuracy(classifier, test);
            AnsiConsole.MarkupLine($"epoch {epoch + 1}: training loss {lossSum / batches:F4}, test accuracy [bold]{accuracy:P2}[/] ({watch.Elapsed:mm\\:ss})");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        AtomicFile.Write(output, path => classifier.save(path));
        AnsiConsole.MarkupLine($"saved [blue]{Markup.Escape(output)}[/]");
        return 0;
    }

    /// <summary>Fraction of <paramref name="data"/> the classifier labels correctly.</summary>
    internal static double Accuracy(ConvClassifier classifier, TensorDataset data)
    {
        long correct = 0;
        foreach (var batch in new BatchLoader(data, 1000, shuffle: false))
        {
            using var scope = NewDisposeScope();
            correct += (classifier.Predict(batch.Data) == batch.Labels!).sum().item<long>();
        }
        return (double)correct / data.Count;
    }
}
