using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>What one optimizer step measured, still on the device: the loss, error, weight and gradient norm are read
/// only when needed (at a report), so a step does not wait for the device.</summary>
internal sealed class DeviceStep
{
    internal DeviceStep(long number, double learningRate, long distinctRows, Tensor loss, Tensor meanSquaredError, Tensor meanWeight,
        Tensor gradientNorm)
    {
        Number = number;
        LearningRate = learningRate;
        DistinctRows = distinctRows;
        Loss = loss;
        MeanSquaredError = meanSquaredError;
        MeanWeight = meanWeight;
        GradientNorm = gradientNorm;
    }

    /// <summary>The 1-based step number.</summary>
    internal long Number { get; }

    internal double LearningRate { get; }

    internal long DistinctRows { get; }

    /// <summary>Scalar loss, detached.</summary>
    internal Tensor Loss { get; }

    internal Tensor MeanSquaredError { get; }

    internal Tensor MeanWeight { get; }

    /// <summary>Float64 scalar, before clipping.</summary>
    internal Tensor GradientNorm { get; }

    /// <summary>(loss, mean squared error, mean weight, gradient norm) as one float64 vector (4,): one read.</summary>
    internal Tensor Summary() => stack(new[]
    {
        Loss.to(ScalarType.Float64), MeanSquaredError.to(ScalarType.Float64), MeanWeight.to(ScalarType.Float64), GradientNorm,
    });
}
