using System;
using System.Linq;
using MeanFlow.Jvp;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Models.UNet;

// The MeanFlow field interface and the checks of its inputs.
public sealed partial class SongUNet
{
    /// <inheritdoc />
    /// <remarks>z has shape (B, in, R, R) with the network's dtype and device; r and t (B,); labels int64 (B,) in
    /// [0, classes] for a conditional network (<c>null</c>: the null class), <c>null</c> for an unconditional one.</remarks>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, or labels are given to an unconditional network.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        return Forward(new Dual(Present(z, nameof(z))), new Dual(Present(r, nameof(r))), new Dual(Present(t, nameof(t))), labels)
            .Primal.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>Inputs as for <see cref="AverageVelocity"/>; the tangent's dz has shape (K, in, R, R), dr and dt
    /// (K,), K ≤ B. In training mode the tangent rows see the same dropout masks as the primal rows.</remarks>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit.</exception>
    public JvpOutput AverageVelocityWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(tangent);
        Check(Present(z, nameof(z)), Present(r, nameof(r)), Present(t, nameof(t)), labels);
        var k = tangent.Rows;
        if (k > z.shape[0] || !tangent.Z.shape.AsSpan(1).SequenceEqual(z.shape.AsSpan(1)))
            throw new ArgumentException(
                $"tangent.Z must have shape [K, {string.Join(", ", z.shape.Skip(1))}] with K ≤ {z.shape[0]}; got {LayerChecks.Shape(tangent.Z)}.", nameof(tangent));
        if (tangent.Z.dtype != z.dtype || !SameDevice(tangent.Z, z))
            throw new ArgumentException($"tangent must have z's dtype {z.dtype} and device {z.device}; got {tangent.Z.dtype} on {tangent.Z.device}.", nameof(tangent));
        using var scope = NewDisposeScope();
        var u = Forward(new Dual(z, tangent.Z), new Dual(r, tangent.R), new Dual(t, tangent.T), labels);
        return new JvpOutput(u.Primal, u.Tangent!).MoveToOuterDisposeScope();
    }

    private static bool SameDevice(Tensor a, Tensor b) => a.device.type == b.device.type && a.device.index == b.device.index;

    private static Tensor Present(Tensor? x, string name) => x ?? throw new ArgumentNullException(name);

    private void Check(Tensor z, Tensor r, Tensor t, Tensor? labels)
    {
        var o = Options;
        var expected = $"[B, {o.InChannels}, {o.Resolution}, {o.Resolution}]";
        if (!z.is_floating_point())
            throw new ArgumentException($"z must be a floating-point tensor {expected}; got dtype {z.dtype}.", nameof(z));
        if (z.dim() != 4 || z.shape[1] != o.InChannels || z.shape[2] != o.Resolution || z.shape[3] != o.Resolution)
            throw new ArgumentException($"z must have shape {expected}; got {LayerChecks.Shape(z)}.", nameof(z));
        var weight = map_layer0.Weight;
        if (z.dtype != weight.dtype || !SameDevice(z, weight))
            throw new ArgumentException(
                $"z has dtype {z.dtype} on {z.device} but the network's parameters are {weight.dtype} on {weight.device}; convert one of them.", nameof(z));
        var b = z.shape[0];
        foreach (var (time, name) in new[] { (r, nameof(r)), (t, nameof(t)) })
        {
            if (time.dim() != 1 || time.shape[0] != b || time.dtype != z.dtype || !SameDevice(time, z))
                throw new ArgumentException(
                    $"{name} must be a vector [{b}] with z's dtype {z.dtype} on {z.device}; got {time.dtype} {LayerChecks.Shape(time)} on {time.device}.", name);
        }
        if (labels is null) return;
        if (o.Classes == 0)
            throw new ArgumentException("This network is unconditional (classes = 0) but labels were given.", nameof(labels));
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != b || !SameDevice(labels, z))
            throw new ArgumentException(
                $"labels must be int64 [{b}] on {z.device}; got {labels.dtype} {LayerChecks.Shape(labels)} on {labels.device}.", nameof(labels));
        if (b == 0) return;
        using var scope = NewDisposeScope();
        long min = labels.min().item<long>(), max = labels.max().item<long>();
        if (min < 0 || max > o.Classes)
            throw new ArgumentOutOfRangeException(nameof(labels),
                $"labels must lie in [0, {o.Classes}] ({o.Classes} is the null class); got values from {min} to {max}.");
    }
}
