using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// The checks of a backbone's inputs (z, r, t, labels) at its public surface, shared by every
/// <see cref="DualVelocityField"/> here: shapes, dtypes and devices against the model's parameters, matching
/// tangent rows, and labels in [0, K] with K the null class. Messages name the argument and show what was
/// expected and what came, before any native call.
/// </summary>
internal static class FieldInputs
{
    /// <summary>Checks (z, r, t, labels) of a model whose z rows have shape <paramref name="rowShape"/> (e.g. (C, S, S)),
    /// whose parameters have the dtype and device of <paramref name="parameter"/>, and which has <paramref name="classes"/>
    /// classes (labels in [0, K], K the null class), or none (0: labels are refused). With <c>checkLabelRange: false</c>
    /// the labels are not read back to check their range, for a model whose label lookup reports an out-of-range label
    /// itself (<see cref="LabelEmbedder"/>): that saves a host read per call.</summary>
    internal static void Check(Dual z, Dual r, Dual t, Tensor? labels, IReadOnlyList<long> rowShape, Tensor parameter, long classes,
        bool checkLabelRange = true)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(t);
        var x = z.Primal;
        if (!x.is_floating_point() || !x.shape.Skip(1).SequenceEqual(rowShape) || x.dim() != rowShape.Count + 1)
            throw new ArgumentException(
                $"z must be a floating-point tensor of shape [B, {string.Join(", ", rowShape)}]; got {x.dtype} {Guard.Shape(x)}.", nameof(z));
        if (x.dtype != parameter.dtype || !SameDevice(x, parameter))
            throw new ArgumentException(
                $"z has dtype {x.dtype} on {x.device} but the model's parameters are {parameter.dtype} on {parameter.device}; convert one of them.", nameof(z));
        var b = x.shape[0];
        foreach (var (time, name) in new[] { (r, nameof(r)), (t, nameof(t)) })
        {
            var p = time.Primal;
            if (p.dim() != 1 || p.shape[0] != b || p.dtype != x.dtype || !SameDevice(p, x))
                throw new ArgumentException(
                    $"{name} must be a vector [{b}] with z's dtype {x.dtype} on {x.device}; got {p.dtype} {Guard.Shape(p)} on {p.device}.", name);
        }
        if (r.HasTangent != z.HasTangent || t.HasTangent != z.HasTangent || r.TangentRows != z.TangentRows || t.TangentRows != z.TangentRows)
            throw new ArgumentException(
                $"z, r and t must all carry tangents of the same rows or none; got {TangentRows(z)}, {TangentRows(r)} and {TangentRows(t)}.", nameof(z));
        if (labels is not null) CheckLabels(labels, b, x.device, classes, checkLabelRange);
    }

    private static void CheckLabels(Tensor labels, long rows, Device device, long classes, bool checkRange)
    {
        if (classes == 0)
            throw new ArgumentException(
                "This model is unconditional (classes = 0) but labels were given; pass null, or build the model with classes > 0.", nameof(labels));
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != rows || !SameDevice(labels, device))
            throw new ArgumentException(
                $"labels must be int64 [{rows}] on {device}; got {labels.dtype} {Guard.Shape(labels)} on {labels.device}.", nameof(labels));
        if (rows == 0 || !checkRange) return;
        using var scope = NewDisposeScope();
        long min = labels.min().item<long>(), max = labels.max().item<long>();
        if (min < 0 || max > classes)
            throw new ArgumentOutOfRangeException(nameof(labels),
                $"labels must lie in [0, {classes}] ({classes} is the null class); got values from {min} to {max}.");
    }

    private static bool SameDevice(Tensor a, Tensor b) => SameDevice(a, b.device);

    private static bool SameDevice(Tensor a, Device device) => a.device.type == device.type && a.device.index == device.index;

    private static string TangentRows(Dual x) => x.HasTangent ? $"{x.TangentRows} tangent rows" : "no tangent";
}
