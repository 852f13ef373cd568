using System;
using System.Globalization;

namespace MeanFlow.Training;

/// <summary>A metric report, sent to every <see cref="Trainer{TField}.Progress"/> sink every
/// <see cref="TrainerOptions.LogEvery"/> steps and at the last step.</summary>
public sealed record TrainingMetrics
{
    /// <summary>Steps completed.</summary>
    public required long Step { get; init; }

    /// <summary>Steps of the whole run.</summary>
    public required long TotalSteps { get; init; }

    /// <summary>Loss of the latest step.</summary>
    public required double Loss { get; init; }

    /// <summary>Mean loss over the steps since the previous report.</summary>
    public required double AverageLoss { get; init; }

    /// <summary>Unweighted mean squared error of the latest step.</summary>
    public required double MeanSquaredError { get; init; }

    /// <summary>Mean loss weight of the latest step.</summary>
    public required double MeanWeight { get; init; }

    /// <summary>Learning rate of the latest step.</summary>
    public required double LearningRate { get; init; }

    /// <summary>Global gradient norm (before clipping) of the latest step.</summary>
    public required double GradientNorm { get; init; }

    /// <summary>Steps per second since the previous report.</summary>
    public required double StepsPerSecond { get; init; }

    /// <summary>Training time so far, including the time recorded in a checkpoint the run resumed from.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"step {Step}/{TotalSteps}: loss {Loss:G5} (avg {AverageLoss:G5}), mse {MeanSquaredError:G5}, lr {LearningRate:G3}, |g| {GradientNorm:G4}, {StepsPerSecond:F2} it/s, {Elapsed:hh\\:mm\\:ss}");
}
