using System;
using System.Globalization;

namespace MeanFlow.Training;

/// <summary>
/// A training step produced a non-finite loss or gradient norm. <see cref="Trainer{TField}.TrainStep"/> throws it before
/// the optimizer update, so the parameters, averages and optimizer state are those of the last good step.
/// <see cref="Trainer{TField}.Run(System.Func{long, TrainingBatch?}, System.Threading.CancellationToken)"/>, which reads
/// the device only at reports, checkpoints and samples, throws it at the first such point after the bad step, before
/// reporting or writing anything: no checkpoint holds the bad step, but the trainer in memory has moved past it.
/// Either way, resume from the last checkpoint (perhaps with a lower learning rate or gradient clipping).
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

    /// <summary>Creates the exception for a divergence found at a later step by a run that reads the device only at
    /// reports and checkpoints.</summary>
    internal TrainingDivergedException(long step, double loss, double gradientNorm, long foundAt)
        : base(Describe(step, loss, gradientNorm, foundAt))
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

    private static string Describe(long step, double loss, double gradientNorm, long foundAt) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Cause(step, loss, gradientNorm)} Found at step {foundAt}, the first report or checkpoint since: nothing was reported or written after step {step - 1}, so the last checkpoint is from before the bad step; the trainer in memory has gone on to step {foundAt}, so resume from that checkpoint.");

    private static string Cause(long step, double loss, double gradientNorm) =>
        double.IsFinite(loss)
            ? string.Create(CultureInfo.InvariantCulture, $"Training diverged at step {step}: the gradient norm is {gradientNorm} (loss {loss:R}).")
            : string.Create(CultureInfo.InvariantCulture, $"Training diverged at step {step}: the loss is {loss}.");

    private static string Describe(long step, double loss, double gradientNorm) =>
        double.IsFinite(loss)
            ? string.Create(CultureInfo.InvariantCulture, $"Training diverged at step {step}: the gradient norm is {gradientNorm} (loss {loss:R}). No update or checkpoint was made for this step.")
            : string.Create(CultureInfo.InvariantCulture, $"Training diverged at step {step}: the loss is {loss}. No update or checkpoint was made for this step.");
}
