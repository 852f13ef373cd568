using MeanFlow.Internal;
using System;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>The loss of one improved-MeanFlow evaluation, its two parts and the per-row quantities behind them.</summary>
/// <remarks>Per-row tensors are detached and in the batch's row order.</remarks>
public sealed class ImprovedMeanFlowOutput : IDisposable
{
    /// <summary>Creates the output.</summary>
    /// <param name="loss">Scalar loss with autograd graph: <paramref name="averageLoss"/> + <paramref name="instantaneousLoss"/>.</param>
    /// <param name="averageLoss">Scalar mean_rows(sg(w_u)·‖V − v_g‖²), with graph.</param>
    /// <param name="instantaneousLoss">Scalar mean_rows(sg(w_v)·‖v − v_g‖²), with graph.</param>
    /// <param name="averageSquaredError">Scalar mean over all elements of (V − v_g)², detached.</param>
    /// <param name="instantaneousSquaredError">Scalar mean over all elements of (v − v_g)², detached.</param>
    /// <param name="meanWeight">Scalar mean of the u-loss weights w_u, detached.</param>
    /// <param name="distinctRows">Rows with r ≠ t (those that needed a JVP).</param>
    /// <param name="average">u_θ(z_t, r, t), shape (B, ...).</param>
    /// <param name="compound">V = u_θ + (t − r)·sg(du/dt), shape (B, ...).</param>
    /// <param name="instantaneous">v_θ, the v-head, shape (B, ...).</param>
    /// <param name="guidedVelocity">The target v_g, shape (B, ...).</param>
    /// <param name="averageTarget">u_tgt = v_g − (t − r)·du/dt, the target of u in MeanFlow's form, shape (B, ...).</param>
    public ImprovedMeanFlowOutput(Tensor loss, Tensor averageLoss, Tensor instantaneousLoss, Tensor averageSquaredError,
        Tensor instantaneousSquaredError, Tensor meanWeight, long distinctRows, Tensor average, Tensor compound,
        Tensor instantaneous, Tensor guidedVelocity, Tensor averageTarget)
    {
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        AverageLoss = averageLoss ?? throw new ArgumentNullException(nameof(averageLoss));
        InstantaneousLoss = instantaneousLoss ?? throw new ArgumentNullException(nameof(instantaneousLoss));
        AverageSquaredError = averageSquaredError ?? throw new ArgumentNullException(nameof(averageSquaredError));
        InstantaneousSquaredError = instantaneousSquaredError ?? throw new ArgumentNullException(nameof(instantaneousSquaredError));
        MeanWeight = meanWeight ?? throw new ArgumentNullException(nameof(meanWeight));
        DistinctRows = distinctRows;
        Average = average ?? throw new ArgumentNullException(nameof(average));
        Compound = compound ?? throw new ArgumentNullException(nameof(compound));
        Instantaneous = instantaneous ?? throw new ArgumentNullException(nameof(instantaneous));
        GuidedVelocity = guidedVelocity ?? throw new ArgumentNullException(nameof(guidedVelocity));
        AverageTarget = averageTarget ?? throw new ArgumentNullException(nameof(averageTarget));
    }

    /// <summary>The scalar loss: u-loss + v-loss; call <c>backward()</c> on it.</summary>
    public Tensor Loss { get; }

    /// <summary>The u-loss mean_rows(sg(w_u)·‖V − sg(v_g)‖²), with graph.</summary>
    public Tensor AverageLoss { get; }

    /// <summary>The v-loss mean_rows(sg(w_v)·‖v − sg(v_g)‖²), with graph.</summary>
    public Tensor InstantaneousLoss { get; }

    /// <summary>Mean of (V − v_g)² over all elements (the official code's logged <c>loss_u</c>), detached.</summary>
    public Tensor AverageSquaredError { get; }

    /// <summary>Mean of (v − v_g)² over all elements (the official code's logged <c>loss_v</c>), detached.</summary>
    public Tensor InstantaneousSquaredError { get; }

    /// <summary>Mean of the u-loss weights, detached.</summary>
    public Tensor MeanWeight { get; }

    /// <summary>How many rows had r ≠ t and so needed a Jacobian-vector product.</summary>
    public long DistinctRows { get; }

    /// <summary>u_θ(z_t, r, t | c, ω, t_min, t_max) per row, shape (B, ...).</summary>
    public Tensor Average { get; }

    /// <summary>The compound velocity V = u_θ + (t − r)·sg(du/dt) per row, shape (B, ...).</summary>
    public Tensor Compound { get; }

    /// <summary>The v-head's output per row, shape (B, ...).</summary>
    public Tensor Instantaneous { get; }

    /// <summary>The guided target v_g per row, shape (B, ...).</summary>
    public Tensor GuidedVelocity { get; }

    /// <summary>u_tgt = v_g − (t − r)·du/dt per row (so u_θ − u_tgt = V − v_g), shape (B, ...).</summary>
    public Tensor AverageTarget { get; }

    /// <summary>Moves the tensors to the enclosing dispose scope.</summary>
    /// <returns>This instance.</returns>
    public ImprovedMeanFlowOutput MoveToOuterDisposeScope()
    {
        foreach (var x in All()) x.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        foreach (var x in All()) x.Dispose();
    }

    private Tensor[] All() => new[]
    {
        Loss, AverageLoss, InstantaneousLoss, AverageSquaredError, InstantaneousSquaredError, MeanWeight, Average, Compound,
        Instantaneous, GuidedVelocity, AverageTarget,
    };

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"loss {HostRead.Double(Loss):G6} (u {HostRead.Double(AverageLoss):G6}, v {HostRead.Double(InstantaneousLoss):G6}), mse u {HostRead.Double(AverageSquaredError):G6}, v {HostRead.Double(InstantaneousSquaredError):G6}, r≠t rows {DistinctRows}");
}
