using System;
using System.Collections.Generic;
using System.Linq;
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
        : this(x, noise, r, t, labels, dropMask, leadingDistinctRows: null, drawn: false)
    {
        CheckShapes(x, noise, r, t, labels, dropMask);
        CheckValues(x, noise, r, t, labels);
    }

    /// <summary>A batch an objective drew itself: its shapes and values are right by construction, so nothing is
    /// checked (no host read), and the sampler's count of leading rows with r ≠ t is kept.</summary>
    internal ObjectiveBatch(Tensor x, Tensor noise, Tensor r, Tensor t, Tensor? labels, Tensor? dropMask, long? leadingDistinctRows, bool drawn)
    {
        X = x;
        Noise = noise;
        R = r;
        T = t;
        Labels = labels;
        DropMask = dropMask;
        LeadingDistinctRows = leadingDistinctRows;
        Drawn = drawn;
    }

    private static void CheckShapes(Tensor x, Tensor noise, Tensor r, Tensor t, Tensor? labels, Tensor? dropMask)
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
        Guard.LabelsShape(labels, b, nameof(labels));
        if (labels is not null) Guard.SameDevice(x, nameof(x), labels, nameof(labels));
        if (dropMask is not null)
        {
            if (labels is null)
                throw new ArgumentException("dropMask needs labels: there is nothing to drop in an unconditional batch.", nameof(dropMask));
            if (dropMask.dtype != ScalarType.Bool || dropMask.dim() != 1 || dropMask.shape[0] != b)
                throw new ArgumentException($"dropMask must be a bool tensor of shape [{b}]; got {dropMask.dtype} {Guard.Shape(dropMask)}.", nameof(dropMask));
            Guard.SameDevice(x, nameof(x), dropMask, nameof(dropMask));
        }
    }

    /// <summary>Every value check in one device computation and one host read; only when one fails are the detailed
    /// checks run, for a message that names the argument and the offending value.</summary>
    private static void CheckValues(Tensor x, Tensor noise, Tensor r, Tensor t, Tensor? labels)
    {
        using (var scope = NewDisposeScope())
        {
            var checks = new List<Tensor>
            {
                isfinite(x).all(), isfinite(noise).all(),
                r.ge(0).logical_and(r.le(1)).all(), t.ge(0).logical_and(t.le(1)).all(), r.le(t).all(),
            };
            if (labels is not null) checks.Add(labels.ge(0).all());
            if (HostRead.Values<bool>(stack(checks)).All(ok => ok)) return;
        }
        Guard.AllFinite(x, nameof(x));
        Guard.AllFinite(noise, nameof(noise));
        Guard.UnitInterval(r, nameof(r));
        Guard.UnitInterval(t, nameof(t));
        Guard.StartNotAfterEnd(r, t);
        Guard.Labels(labels, x.shape[0], long.MaxValue, nameof(labels));
        throw new InvalidOperationException("ObjectiveBatch: a value check failed on the device but not on the host.");
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

    /// <summary>K such that rows K … B − 1 have r = t, when the time sampler said so (drawn batches); otherwise null.</summary>
    internal long? LeadingDistinctRows { get; }

    /// <summary>Whether the objective drew this batch itself (and so did not validate its values).</summary>
    internal bool Drawn { get; }

    /// <summary>B, the number of rows.</summary>
    public long Rows => X.shape[0];
}
