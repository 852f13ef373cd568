using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Adaptive normalisation modulation (DiT's adaLN <c>modulate</c>, EDM's adaptive scale):
/// y = x ⊙ (1 + scale) + shift, where shift and scale come from the conditioning and carry their own tangents:
/// dy = dx ⊙ (1 + scale) + x ⊙ dscale + dshift (product rule).
/// </summary>
public static class Modulation
{
    /// <summary>Modulates <paramref name="x"/>.</summary>
    /// <param name="x">Features, shape (B, ...), e.g. tokens (B, N, D) or images (B, C, H, W).</param>
    /// <param name="shift">Shift with as many dimensions as x, broadcastable to it: (B, 1, D) for tokens
    /// (unsqueeze DiT's (B, D) with <c>MapLinear(s =&gt; s.unsqueeze(1))</c>), (B, C, 1, 1) for images.</param>
    /// <param name="scale">Scale, shaped like <paramref name="shift"/>.</param>
    /// <returns>Shape of <paramref name="x"/>.</returns>
    /// <exception cref="System.ArgumentException">The ranks, rows or tangents of the operands differ, or shift
    /// and scale do not broadcast to x.</exception>
    public static Dual Apply(Dual x, Dual shift, Dual scale)
    {
        Dual.CheckInput(x, nameof(x), "[B, ...]", dims: 1, atLeast: true);
        Dual.CheckSameTangentRows(x, shift, nameof(shift));
        Dual.CheckSameTangentRows(x, scale, nameof(scale));
        var xs = x.Primal.shape;
        foreach (var (operand, name) in new[] { (shift, nameof(shift)), (scale, nameof(scale)) })
        {
            var s = operand.Primal.shape;
            for (var i = 1; i < xs.Length; i++)
                if (s[i] != 1 && s[i] != xs[i])
                    throw new System.ArgumentException(
                        $"{name} must broadcast to x {Guard.Shape(x.Primal)} without enlarging it; got {Guard.Shape(operand.Primal)}.", name);
        }
        using var scope = NewDisposeScope();
        var onePlusScale = scale.Primal + 1;
        var y = addcmul(shift.Primal, x.Primal, onePlusScale, 1);
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad())
        {
            var rows = x.TangentRows;
            dy = x.Tangent * onePlusScale.narrow(0, 0, rows);
            dy.addcmul_(x.LeadingPrimal, scale.Tangent!, 1).add_(shift.Tangent!);
        }
        return new Dual(y, dy).MoveToOuter(scope);
    }
}
