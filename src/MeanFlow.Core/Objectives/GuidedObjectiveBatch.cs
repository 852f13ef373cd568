using System;
using MeanFlow.Fields;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>
/// Every random quantity of one improved-MeanFlow evaluation, made explicit: the <see cref="ObjectiveBatch"/> (data,
/// noise, times, labels, drop mask) and the guidance each row is trained at (ω, t_min, t_max). Passing it to
/// <see cref="ImprovedMeanFlowObjective.Compute(IGuidedVelocityField, GuidedObjectiveBatch)"/> makes the loss a
/// deterministic function that an independent computation can check.
/// </summary>
public sealed class GuidedObjectiveBatch
{
    /// <summary>Creates the batch from its parts and validates every value.</summary>
    /// <param name="x">Data (before normalization), shape (B, ...), floating point, finite.</param>
    /// <param name="noise">Prior sample ε, shape, dtype and device of <paramref name="x"/>.</param>
    /// <param name="r">Start times, shape (B,), in [0, 1], r ≤ t.</param>
    /// <param name="t">End times, shape (B,), in [0, 1].</param>
    /// <param name="labels">Class labels, int64 (B,), non-negative, or <c>null</c>.</param>
    /// <param name="dropMask">Boolean (B,): true where the label is replaced by the null class; <c>null</c> for none.</param>
    /// <param name="scale">ω per row, shape (B,), dtype of <paramref name="x"/>, finite and ≥ 1.</param>
    /// <param name="intervalStart">t_min per row, shape (B,), in [0, 1].</param>
    /// <param name="intervalEnd">t_max per row, shape (B,), in [t_min, 1].</param>
    /// <exception cref="ArgumentException">A shape, dtype or device disagrees, or a value is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range; the message names the argument, the row
    /// and the value.</exception>
    public GuidedObjectiveBatch(Tensor x, Tensor noise, Tensor r, Tensor t, Tensor? labels, Tensor? dropMask,
        Tensor scale, Tensor intervalStart, Tensor intervalEnd)
        : this(new ObjectiveBatch(x, noise, r, t, labels, dropMask), new GuidanceConditions(scale, intervalStart, intervalEnd))
    {
    }

    /// <summary>Pairs a batch with the guidance of its rows and validates the guidance values.</summary>
    /// <param name="batch">Data, noise, times, labels and drop mask.</param>
    /// <param name="guidance">ω ≥ 1 and 0 ≤ t_min ≤ t_max ≤ 1 per row; B rows, dtype and device of <c>batch.X</c>.</param>
    /// <exception cref="ArgumentException">The guidance's rows, dtype or device disagree with the batch, or a value is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">ω &lt; 1, an interval end outside [0, 1], or t_min &gt; t_max in some row.</exception>
    public GuidedObjectiveBatch(ObjectiveBatch batch, GuidanceConditions guidance)
        : this(batch, guidance, drawn: false)
    {
    }

    /// <summary>Pairs a batch with its guidance; a batch and guidance an objective drew itself are valid by construction
    /// (<paramref name="drawn"/>), so their values are not read (no host synchronisation).</summary>
    internal GuidedObjectiveBatch(ObjectiveBatch batch, GuidanceConditions guidance, bool drawn)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(guidance);
        Guard.BatchVector(guidance.Scale, batch.Rows, "scale");
        Guard.SameDtype(batch.X, "x", guidance.Scale, "scale");
        Guard.SameDevice(batch.X, "x", guidance.Scale, "scale");
        if (!drawn) CheckValues(guidance);
        Batch = batch;
        Guidance = guidance;
    }

    /// <summary>Data, noise, times, labels and drop mask.</summary>
    public ObjectiveBatch Batch { get; }

    /// <summary>ω, t_min and t_max per row.</summary>
    public GuidanceConditions Guidance { get; }

    /// <summary>B, the number of rows.</summary>
    public long Rows => Batch.Rows;

    /// <summary>Checks ω ≥ 1 (finite) and 0 ≤ t_min ≤ t_max ≤ 1 on every row (reads the values: a host synchronisation).</summary>
    /// <param name="guidance">The conditions.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    internal static void CheckValues(GuidanceConditions guidance)
    {
        using var scope = NewDisposeScope();
        Guard.AllFinite(guidance.Scale, "scale");
        var below = guidance.Scale < 1;
        if (HostRead.Bool(below.any()))
        {
            var row = HostRead.Int64(HostRead.Nonzero(below)[0, 0]);
            throw new ArgumentOutOfRangeException("scale",
                $"scale (ω) must be ≥ 1 in every row; row {row} has ω = {Guard.Format(guidance.Scale[row])}.");
        }
        Guard.UnitInterval(guidance.IntervalStart, "intervalStart");
        Guard.UnitInterval(guidance.IntervalEnd, "intervalEnd");
        Guard.StartNotAfterEnd(guidance.IntervalStart, guidance.IntervalEnd, "intervalStart", "intervalEnd");
    }
}
