using System;
using System.Linq;
using MeanFlow.Jvp;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

// Validation at the public surface: every shape, dtype, device and label range is checked before any native
// call, with messages that name the argument and show what was expected and what came.
public sealed partial class MeanFlowDiT
{
    private void CheckInputs(Dual z, Dual r, Dual t, Tensor? labels)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(t);
        var x = z.Primal;
        var parameters = x_embedder.Projection.Weight;
        long c = Config.InChannels, s = Config.InputSize;
        if (!x.is_floating_point() || x.dim() != 4 || x.shape[1] != c || x.shape[2] != s || x.shape[3] != s)
            throw new ArgumentException($"z must be a floating-point tensor of shape [B, {c}, {s}, {s}]; got {x.dtype} {Shape(x)}.", nameof(z));
        if (x.dtype != parameters.dtype)
            throw new ArgumentException($"z has dtype {x.dtype} but the model's parameters have {parameters.dtype}; convert one of them.", nameof(z));
        if (!SameDevice(x, parameters))
            throw new ArgumentException($"z is on {x.device} but the model's parameters are on {parameters.device}.", nameof(z));
        var b = x.shape[0];
        foreach (var (time, name) in new[] { (r, nameof(r)), (t, nameof(t)) })
        {
            var p = time.Primal;
            if (p.dim() != 1 || p.shape[0] != b || p.dtype != x.dtype || !SameDevice(p, x))
                throw new ArgumentException(
                    $"{name} must be a {x.dtype} vector of shape [{b}] on {x.device}, as z; got {p.dtype} {Shape(p)} on {p.device}.", name);
            if (time.HasTangent != z.HasTangent || time.TangentRows != z.TangentRows)
                throw new ArgumentException(
                    $"{name} must carry a tangent of the same rows as z ({(z.HasTangent ? z.TangentRows.ToString() : "none")}); " +
                    $"got {(time.HasTangent ? time.TangentRows.ToString() : "none")}.", name);
        }
        if (labels is null) return;
        if (!Config.IsConditional)
            throw new ArgumentException("This model is unconditional (classes = 0) but labels were given; pass null, or build the model with classes > 0.", nameof(labels));
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != b)
            throw new ArgumentException($"labels must be an int64 vector of shape [{b}]; got {labels.dtype} {Shape(labels)}.", nameof(labels));
        if (!SameDevice(labels, x))
            throw new ArgumentException($"labels are on {labels.device} but z is on {x.device}.", nameof(labels));
        if (b == 0) return;
        using var scope = NewDisposeScope();
        long min = labels.min().item<long>(), max = labels.max().item<long>();
        if (min < 0 || max > Config.Classes)
            throw new ArgumentOutOfRangeException(nameof(labels),
                $"labels must lie in [0, {Config.Classes}] ({Config.Classes} is the null class); got values from {min} to {max}.");
    }

    private static void CheckTangent(Tensor z, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(z);
        var dz = tangent.Z;
        if (dz.dim() != z.dim() || !dz.shape.Skip(1).SequenceEqual(z.shape.Skip(1)) || dz.shape[0] > z.shape[0])
            throw new ArgumentException(
                $"tangent.Z must have shape [K, {string.Join(", ", z.shape.Skip(1))}] with K ≤ {z.shape[0]} (the rows of z); got {Shape(dz)}.", nameof(tangent));
        if (dz.dtype != z.dtype || !SameDevice(dz, z))
            throw new ArgumentException($"tangent must have z's dtype {z.dtype} and device {z.device}; got {dz.dtype} on {dz.device}.", nameof(tangent));
    }

    private static bool SameDevice(Tensor a, Tensor b) => a.device.type == b.device.type && a.device.index == b.device.index;

    private static string Shape(Tensor x) => "[" + string.Join(", ", x.shape) + "]";
}
