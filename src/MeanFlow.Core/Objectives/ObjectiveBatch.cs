using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>
/// Every random quantity of one objective evaluation, made explicit: data, noise, times and which labels
/// are dropped. Passing a batch to <see cref="MeanFlowObjective.Compute(Fields.IVelocityField, ObjectiveBatch)"/>
/// makes the loss a deterministic function that an independent computation can check.
/// </summary>
public sealed class ObjectiveBatch
{
    /// <summary>Creates a batch and validates it.</summary>
    /// <param name="x">Data (before normalization), shape (B, ...), floating point, finite.</param>
    /// <param name="noise">Prior sample ε, shape, dtype and device of <paramref name="x"/>, finite.</param>
    /// <param name="r">Start times, shape (B,), in [0, 1], r ≤ t.</param>
    /// <param name="t">End times, shape (B,), in [0, 1].</param>
    /// <param name="labels">Class labels, int64 (B,), non-negative, or <c>null</c>.</param>
    /// <param name="dropMask">Boolean (B,): true where the label is replaced by the null class; <c>null</c> for none.
    /// Requires <paramref name="labels"/>.</param>
    /// <exception cref="ArgumentException">A shape, dtype or device disagrees, or a value is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A time is outside [0, 1], r &gt; t in some row (the message names the row,
    /// r and t: a swapped pair is caught here), or a label is negative.</exception>
    public ObjectiveBatch(Tensor x, Tensor noise, Tensor r, Tensor t, Tensor? labels = null, Tensor? dropMask = null)
    {
        Guard.Floating(x, nameof(x), minDims: 1);
        var b = x.shape[0];
        Guard.Floating(noise, nameof(noise));
        Guard.SameShape(x, nameof(x), noise, nameof(noise));
        Guard.SameDtype(x, nameof(x), noise, nameof(noise));
        Guard.SameDevice(x, nameof(x), noise, nameof(noise));
        Guard.BatchVector(r, b, nameof(r));
        Guard.BatchVector(t, b, nameof(t));
        Guard.SameDtype(x, nameof(x), r, nameof(r));
        Guard.SameDtype(x, nameof(x), t, nameof(t));
        Guard.SameDevice(x, nameof(x), r, nameof(r));
        Guard.SameDevice(x, nameof(x), t, nameof(t));
        Guard.AllFinite(x, nameof(x));
        Guard.AllFinite(noise, nameof(noise));
        Guard.UnitInterval(r, nameof(r));
        Guard.UnitInterval(t, nameof(t));
        Guard.StartNotAfterEnd(r, t);
        Guard.Labels(labels, b, long.MaxValue, nameof(labels));
        if (labels is not null) Guard.SameDevice(x, nameof(x), labels, nameof(labels));
        if (dropMask is not null)
        {
            if (labels is null)
                throw new ArgumentException("dropMask needs labels: there is nothing to drop in an unconditional batch.", nameof(dropMask));
            if (dropMask.dtype != ScalarType.Bool || dropMask.dim() != 1 || dropMask.shape[0] != b)
                throw new ArgumentException($"dropMask must be a bool tensor of shape [{b}]; got {dropMask.dtype} {Guard.Shape(dropMask)}.", nameof(dropMask));
            Guard.SameDevice(x, nameof(x), dropMask, nameof(dropMask));
        }
        X = x;
        Noise = noise;
        R = r;
        T = t;
        Labels = labels;
        DropMask = dropMask;
    }

    /// <summary>Data before normalization, shape (B, ...).</summary>
    public Tensor X { get; }

    /// <summary>Prior sample ε, shape (B, ...).</summary>
    public Tensor Noise { get; }

    /// <summary>Start times r ≤ t, shape (B,).</summary>
    public Tensor R { get; }

    /// <summary>End times t, shape (B,).</summary>
    public Tensor T { get; }

    /// <summary>Class labels, int64 (B,), or <c>null</c>.</summary>
    public Tensor? Labels { get; }

    /// <summary>Which labels become the null class, bool (B,), or <c>null</c>.</summary>
    public Tensor? DropMask { get; }

    /// <summary>B, the number of rows.</summary>
    public long Rows => X.shape[0];
}
