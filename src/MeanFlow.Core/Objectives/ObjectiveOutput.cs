using System;
using System.Globalization;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>The loss of one objective evaluation and its diagnostics.</summary>
public sealed class ObjectiveOutput : IDisposable
{
    /// <summary>Creates the output.</summary>
    /// <param name="loss">Scalar loss with autograd graph.</param>
    /// <param name="meanSquaredError">Scalar mean over all elements of (u_θ − u_tgt)², detached.</param>
    /// <param name="meanWeight">Scalar mean loss weight, detached.</param>
    /// <param name="distinctRows">Rows with r ≠ t (those that needed a JVP).</param>
    /// <param name="prediction">u_θ(z_t, r, t | c) per row, shape (B, ...), detached, in the batch's row order.</param>
    /// <param name="target">u_tgt per row, shape (B, ...), detached, in the batch's row order.</param>
    public ObjectiveOutput(Tensor loss, Tensor meanSquaredError, Tensor meanWeight, long distinctRows, Tensor prediction, Tensor target)
    {
        Prediction = prediction ?? throw new ArgumentNullException(nameof(prediction));
        Target = target ?? throw new ArgumentNullException(nameof(target));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        MeanSquaredError = meanSquaredError ?? throw new ArgumentNullException(nameof(meanSquaredError));
        MeanWeight = meanWeight ?? throw new ArgumentNullException(nameof(meanWeight));
        DistinctRows = distinctRows;
    }

    /// <summary>The scalar loss mean_rows(sg(w)·‖u_θ − sg(u_tgt)‖²); call <c>backward()</c> on it.</summary>
    public Tensor Loss { get; }

    /// <summary>The raw mean squared error per element, without weighting (a scale-free progress measure).</summary>
    public Tensor MeanSquaredError { get; }

    /// <summary>The mean of the loss weights.</summary>
    public Tensor MeanWeight { get; }

    /// <summary>How many rows had r ≠ t and so needed a Jacobian-vector product.</summary>
    public long DistinctRows { get; }

    /// <summary>u_θ(z_t, r, t | c) for each row of the batch, shape (B, ...), without autograd graph.</summary>
    public Tensor Prediction { get; }

    /// <summary>The regression target u_tgt = ṽ_t − (t − r)·du/dt for each row, shape (B, ...), without autograd graph.</summary>
    public Tensor Target { get; }

    /// <summary>Moves the tensors to the enclosing dispose scope.</summary>
    /// <returns>This instance.</returns>
    public ObjectiveOutput MoveToOuterDisposeScope()
    {
        Loss.MoveToOuterDisposeScope();
        MeanSquaredError.MoveToOuterDisposeScope();
        MeanWeight.MoveToOuterDisposeScope();
        Prediction.MoveToOuterDisposeScope();
        Target.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Loss.Dispose();
        MeanSquaredError.Dispose();
        MeanWeight.Dispose();
        Prediction.Dispose();
        Target.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"loss {HostRead.Double(Loss):G6}, mse {HostRead.Double(MeanSquaredError):G6}, mean weight {HostRead.Double(MeanWeight):G6}, r≠t rows {DistinctRows}");
}
