using System;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable multi-head self-attention with RMS-normalised queries and keys and rotary positions, laid out like
/// the official improved MeanFlow DiT's <c>RoPEAttention</c>: separate projections <c>q_proj</c>, <c>k_proj</c>,
/// <c>v_proj</c>, <c>out_proj</c> (D → D, no bias, <see cref="FlaxLinear"/>); <c>q_norm</c>, <c>k_norm</c> (RMSNorm
/// over a head's E = D/H features, ε = 10⁻⁶, learned weight); then <see cref="RotaryEmbedding"/> on queries and keys;
/// explicit <see cref="SoftmaxAttention"/> with scale 1/√E. Order as upstream: project, normalise, rotate, attend.
/// </summary>
public sealed class RopeAttention : nn.Module<Dual, RotaryEmbedding, Dual>
{
    /// <summary>ε of the query and key RMSNorms, as upstream.</summary>
    public const double NormEpsilon = 1e-6;

    private readonly FlaxLinear q_proj;
    private readonly FlaxLinear k_proj;
    private readonly FlaxLinear v_proj;
    private readonly FlaxLinear out_proj;
    private readonly DualRmsNorm q_norm;
    private readonly DualRmsNorm k_norm;

    /// <summary>Creates the layer (linear layers initialised like <c>nn.Linear</c>, norm weights 1).</summary>
    /// <param name="dimension">D, the token width, ≥ 1, divisible by <paramref name="heads"/> into an even head width.</param>
    /// <param name="heads">H, the number of heads, ≥ 1.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, H does not divide D, or D/H is odd.</exception>
    public RopeAttention(long dimension, long heads, Device? device = null, ScalarType? dtype = null) : base(nameof(RopeAttention))
    {
        Guard.Positive(dimension, nameof(dimension));
        Guard.Positive(heads, nameof(heads));
        if (dimension % heads != 0 || dimension / heads % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads,
                $"heads must divide dimension ({dimension}) into heads of even width (rotary pairs); got {heads}.");
        Dimension = dimension;
        Heads = heads;
        q_proj = new FlaxLinear(dimension, dimension, false, device, dtype);
        k_proj = new FlaxLinear(dimension, dimension, false, device, dtype);
        v_proj = new FlaxLinear(dimension, dimension, false, device, dtype);
        out_proj = new FlaxLinear(dimension, dimension, false, device, dtype);
        q_norm = new DualRmsNorm(HeadDimension, NormEpsilon, device: device, dtype: dtype);
        k_norm = new DualRmsNorm(HeadDimension, NormEpsilon, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>D, the token width.</summary>
    public long Dimension { get; }

    /// <summary>H, the number of heads.</summary>
    public long Heads { get; }

    /// <summary>E = D / H, the width of a head.</summary>
    public long HeadDimension => Dimension / Heads;

    /// <summary>Attends every token to every token and propagates the tangent.</summary>
    /// <param name="x">Tokens, shape (B, N, D).</param>
    /// <param name="rotary">The rotary tables for N positions and head width E.</param>
    /// <returns>Shape (B, N, D).</returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    public override Dual forward(Dual x, RotaryEmbedding rotary)
    {
        Dual.CheckInput(x, nameof(x), $"[B, N, {Dimension}]", dims: 3, dim: -1, size: Dimension);
        ArgumentNullException.ThrowIfNull(rotary);
        var n = x.Primal.shape[1];
        if (rotary.Length != n || rotary.HeadDimension != HeadDimension)
            throw new ArgumentException(
                $"rotary must have tables for {n} positions and head width {HeadDimension}; got {rotary.Length} and {rotary.HeadDimension}.", nameof(rotary));
        using var scope = NewDisposeScope();
        Dual Heads(FlaxLinear projection) => projection.call(x)
            .MapLinear(t => t.reshape(t.shape[0], n, this.Heads, HeadDimension).transpose(1, 2));         // (B, H, N, E)
        var q = rotary.Apply(q_norm.call(Heads(q_proj)));
        var k = rotary.Apply(k_norm.call(Heads(k_proj)));
        var v = Heads(v_proj);
        var o = SoftmaxAttention.Apply(q, k, v, 1.0 / Math.Sqrt(HeadDimension))                           // (B, H, N, E)
            .MapLinear(t => t.transpose(1, 2).reshape(t.shape[0], n, Dimension));                         // (B, N, D)
        return out_proj.call(o).MoveToOuter(scope);
    }
}
