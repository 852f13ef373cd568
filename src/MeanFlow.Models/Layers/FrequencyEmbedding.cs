using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// The sinusoidal embedding of scalar times (DiT / GLIDE <c>timestep_embedding</c>, EDM's positional
/// embedding), used by every backbone here: emb(t) = [cos(s·t·ω_j), sin(s·t·ω_j)], ω_j = P^(−j/h), j &lt; h = ⌊dim/2⌋, with a zero column
/// appended when dim is odd; with <c>endpoint</c> (EDM's DDPM++ noise embedding) ω_j = P^(−j/(h − 1)), so the
/// lowest frequency is exactly 1/P. Tangent: d emb = [−sin(·), cos(·)]·s·ω_j·dt, reusing the primal sin and cos.
/// </summary>
public static class FrequencyEmbedding
{
    /// <summary>Embeds times t (B,) with tangents dt (K,).</summary>
    /// <param name="t">Times, shape (B,), with tangent (K,) or none.</param>
    /// <param name="dimension">Embedding width, ≥ 2.</param>
    /// <param name="scale">s, multiplies t before the embedding, finite and non-zero (1000 for times in [0, 1] as in
    /// the MeanFlow DiT; 1 for DiT's integer steps).</param>
    /// <param name="maxPeriod">P, the longest period. The default is 10000.</param>
    /// <param name="endpoint">Whether the exponents run to 1 inclusive (j/(h − 1), EDM's <c>endpoint=True</c>)
    /// rather than j/h (DiT). Needs h ≥ 2. The default is <c>false</c>.</param>
    /// <returns>Shape (B, dimension), tangent (K, dimension).</returns>
    /// <exception cref="ArgumentException"><paramref name="t"/> is not a vector.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or factor is out of range.</exception>
    public static Dual Apply(Dual t, long dimension, double scale, double maxPeriod = 10000, bool endpoint = false)
    {
        Dual.CheckInput(t, nameof(t), "[B]", dims: 1);
        var minimum = endpoint ? 4 : 2;
        if (dimension < minimum)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"dimension must be ≥ {minimum}{(endpoint ? " with endpoint" : "")}; got {dimension}.");
        Guard.NonZero(scale, nameof(scale));
        Guard.Positive(maxPeriod, nameof(maxPeriod));
        using var scope = NewDisposeScope();
        var half = dimension / 2;
        var omega = arange(half, dtype: t.Primal.dtype, device: t.Primal.device).mul_(-Math.Log(maxPeriod) / (endpoint ? half - 1 : half)).exp_();
        var angles = t.Primal.mul(scale).unsqueeze(1) * omega;                 // (B, h)
        var cos = angles.cos();
        var sin = angles.sin();
        var emb = PadOdd(cat(new[] { cos, sin }, 1), dimension);
        if (t.Tangent is null) return new Dual(emb).MoveToOuter(scope);
        Tensor demb;
        using (no_grad())
        {
            var rows = t.TangentRows;
            var rate = t.Tangent.mul(scale).unsqueeze(1) * omega;                // (K, h)
            demb = PadOdd(cat(new[] { sin.narrow(0, 0, rows).mul(rate).neg_(), cos.narrow(0, 0, rows).mul(rate) }, 1), dimension);
        }
        return new Dual(emb, demb).MoveToOuter(scope);
    }

    private static Tensor PadOdd(Tensor x, long dimension) =>
        dimension % 2 == 0 ? x : nn.functional.pad(x, new long[] { 0, 1 });
}
