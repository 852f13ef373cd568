using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>A training objective for a velocity field: draws its random quantities and returns a loss.</summary>
public interface IObjective
{
    /// <summary>Draws noise, times and label drops for <paramref name="x"/> and evaluates the loss.</summary>
    /// <param name="field">The field being trained.</param>
    /// <param name="x">Data (before normalization), shape (B, ...).</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c>.</param>
    /// <param name="generator">Random generator for every draw, or <c>null</c> for the global one.</param>
    /// <returns>The loss and diagnostics; the caller disposes it (or lets a dispose scope do so).</returns>
    ObjectiveOutput Compute(IVelocityField field, Tensor x, Tensor? labels = null, Generator? generator = null);

    /// <summary>Draws the random quantities of one evaluation without evaluating anything.</summary>
    /// <param name="x">Data (before normalization), shape (B, ...).</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c>.</param>
    /// <param name="generator">Random generator, or <c>null</c>.</param>
    /// <returns>The explicit batch.</returns>
    ObjectiveBatch Draw(Tensor x, Tensor? labels = null, Generator? generator = null);

    /// <summary>Evaluates the loss on an explicit batch: a deterministic function of its inputs.</summary>
    /// <param name="field">The field being trained.</param>
    /// <param name="batch">Data, noise, times, labels and drop mask.</param>
    /// <returns>The loss and diagnostics.</returns>
    ObjectiveOutput Compute(IVelocityField field, ObjectiveBatch batch);
}
