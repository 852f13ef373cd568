using System;
using System.Globalization;

namespace MeanFlow.Training;

/// <summary>
/// A training step produced a non-finite loss or gradient norm. It is thrown before the optimizer update, so the
/// parameters, averages and optimizer state are those of the last good step and no checkpoint is written for the
/// bad one; resume from the last checkpoint (perhaps with a lower learning rate or gradient clipping).
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="step">The 1-based number of the step that failed.</param>
    /// <param name="loss">Its loss.</param>
    /// <param name="gradientNorm">Its gradient norm, or NaN if not computed (the loss was already non-finite).</param>
    public TrainingDivergedException(long step, double loss, double gradientNorm)
        : base(Describe(step, loss, gradientNorm))
    {
        Step = step;
        Loss = loss;
        GradientNorm = gradientNorm;
    }

    /// <summary>The 1-based number of the step that failed (the last good step is <c>Step − 1</c>).</summary>
    public long Step { get; }

    /// <summary>The step's loss.</summary>
    public double Loss { get; }

    /// <summary>The step's gradient norm, or NaN when the loss was already non-finite and no gradient was computed.</summary>
    public double GradientNorm { get; }

    private static string Describe(long step, double loss, double gradientNorm) =>
        double.IsFinite(loss)
            ? string.Create(CultureInfo.InvariantCulture, $"Training diverged at step {step}: the gradient norm is {gradientNorm} (loss {loss:R}). No update or checkpoint was made for this step.")
            : string.Create(CultureInfo.InvariantCulture, $"Training diverged at step {step}: the loss is {loss}. No update or checkpoint was made for this step.");
}
