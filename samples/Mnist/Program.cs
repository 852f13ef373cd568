using System;
using MeanFlow.Samples;
using MeanFlow.Samples.Mnist;
using Spectre.Console;

// Class-conditional MNIST / Fashion-MNIST: train the evaluation classifier, train MeanFlow or flow matching, evaluate.
const string usage = """
    MeanFlow.NET on MNIST / Fashion-MNIST.

    Usage: dotnet run -c Release --project samples/Mnist -- <command> [options]

    Commands:
      classifier   train the evaluation classifier on the real training set
      train        train a class-conditional MeanFlow (or flow-matching) model, writing sample grids and checkpoints
      evaluate     sample a trained model at several step counts; class accuracy and Fréchet distance in classifier features

    Run a command with --help for its options.
    Documentation: docs/articles/samples.md#mnist-and-fashion-mnist; measured results: docs/articles/results-mnist.md.
    """;
if (args.Length == 0 || args[0] is "--help" or "-h")
{
    Console.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}
var command = args[0];
var rest = args[1..];
try
{
    var cli = command switch
    {
        "classifier" => ClassifierCommand.Declare(),
        "train" => TrainCommand.Declare(),
        "evaluate" => EvaluateCommand.Declare(),
        _ => throw new ArgumentException($"Unknown command '{command}'."),
    };
    cli.Parse(rest);
    if (cli.HelpRequested)
    {
        Console.WriteLine(cli.Usage());
        return 0;
    }
    return command switch
    {
        "classifier" => ClassifierCommand.Run(cli),
        "train" => TrainCommand.Run(cli),
        "evaluate" => EvaluateCommand.Run(cli),
        _ => 2,
    };
}
catch (ArgumentException e)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    Console.Error.WriteLine(usage);
    return 2;
}
