using System;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable multi-head self-attention over tokens, laid out like timm's <c>Attention</c> used by DiT and
/// the MeanFlow DiT: <c>qkv</c> (D → 3D), optional qk-norm <c>q_norm</c>/<c>k_norm</c> (RMSNorm over the head
/// dimension, with weight), explicit <see cref="SoftmaxAttention"/> with scale 1/√(D/H), and <c>proj</c> (D → D).
/// </summary>
public sealed class SelfAttention : nn.Module<Dual, Dual>
{
    private readonly DualLinear qkv;
    private readonly DualRmsNorm? q_norm;
    private readonly DualRmsNorm? k_norm;
    private readonly DualLinear proj;

    /// <summary>Creates the layer.</summary>
    /// <param name="dimension">D, the token width, ≥ 1, divisible by <paramref name="heads"/>.</param>
    /// <param name="heads">H, the number of heads, ≥ 1.</param>
    /// <param name="qkvBias">Whether <c>qkv</c> has a bias. The default is <c>true</c> (DiT).</param>
    /// <param name="qkNorm">Whether to RMS-normalise queries and keys per head (MeanFlow DiT). The default is <c>false</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or H does not divide D.</exception>
    public SelfAttention(long dimension, long heads, bool qkvBias = true, bool qkNorm = false, Device? device = null, ScalarType? dtype = null)
        : base(nameof(SelfAttention))
    {
        Guard.Positive(dimension, nameof(dimension));
        Guard.Positive(heads, nameof(heads));
        if (dimension % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"heads must divide dimension ({dimension}); got {heads}.");
        Dimension = dimension;
        Heads = heads;
        qkv = new DualLinear(dimension, 3 * dimension, qkvBias, device, dtype);
        if (qkNorm)
        {
            q_norm = new DualRmsNorm(HeadDimension, device: device, dtype: dtype);
            k_norm = new DualRmsNorm(HeadDimension, device: device, dtype: dtype);
        }
        proj = new DualLinear(dimension, dimension, true, device, dtype);
        RegisterComponents();
    }

    /// <summary>D, the token width.</summary>
    public long Dimension { get; }

    /// <summary>H, the number of heads.</summary>
    public long Heads { get; }

    /// <summary>D / H, the width of a head.</summary>
    public long HeadDimension => Dimension / Heads;

    /// <summary>Attends every token to every token and propagates the tangent.</summary>
    /// <param name="x">Tokens, shape (B, N, D).</param>
    /// <returns>Shape (B, N, D).</returns>
    /// <exception cref="ArgumentException">The shape of <paramref name="x"/> does not fit.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, N, {Dimension}]", dims: 3, dim: -1, size: Dimension);
        using var scope = NewDisposeScope();
        var n = x.Primal.shape[1];
        var packed = qkv.call(x);                                                        // (B, N, 3D)
        Dual Head(int part) => packed.MapLinear(t =>
            t.reshape(t.shape[0], n, 3, Heads, HeadDimension).select(2, part).transpose(1, 2));   // (B, H, N, D/H)
        Dual q = Head(0), k = Head(1), v = Head(2);
        if (q_norm is not null) q = q_norm.call(q);
        if (k_norm is not null) k = k_norm.call(k);
        var o = SoftmaxAttention.Apply(q, k, v, 1.0 / Math.Sqrt(HeadDimension))        // (B, H, N, D/H)
            .MapLinear(t => t.transpose(1, 2).reshape(t.shape[0], n, Dimension));          // (B, N, D)
        return proj.call(o).MoveToOuter(scope);
    }
}
