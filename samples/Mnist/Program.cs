using System.CommandLine;
using MeanFlow.Samples;
using MeanFlow.Samples.Mnist;

// Class-conditional MNIST / Fashion-MNIST: train the evaluation classifier, train MeanFlow or flow matching, evaluate.
var root = new RootCommand("""
    MeanFlow.NET on MNIST / Fashion-MNIST. Run a command with --help for its options.
    Documentation: docs/articles/samples.md#mnist-and-fashion-mnist; measured results: docs/articles/results-mnist.md.
    """)
{
    ClassifierCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
};
root.HelpName = "dotnet run -c Release --project samples/Mnist --";
return SampleCommandLine.Run(root, args);
