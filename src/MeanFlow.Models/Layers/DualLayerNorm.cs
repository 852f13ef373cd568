using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable LayerNorm over the last dimension, as <c>nn.LayerNorm</c> (parameters <c>weight</c> and
/// <c>bias</c> when affine): y = x̂ ⊙ w + b with x̂ = (x − μ)·s, s = 1/√(var(x) + ε). Tangent:
/// dy = s·(dx_c − x̂·mean(x̂ ⊙ dx_c)) ⊙ w with dx_c = dx − mean(dx).
/// </summary>
/// <remarks>
/// The primal uses libtorch's fused <c>layer_norm</c> (the plain training pass keeps its speed: an explicit
/// composite was measured 3–4× slower forward + backward). The tangent covers the K tangent rows only: for large
/// tangents as libtorch's fused LayerNorm backward (without affine) applied to dx — the Jacobian of the
/// normalisation is symmetric, so its JVP is its VJP — else by the closed form, recomputing x̂ and s (s from the
/// centred x, cheaper than <c>var</c>).
/// </remarks>
public sealed class DualLayerNorm : nn.Module<Dual, Dual>
{
    private readonly Parameter? weight;
    private readonly Parameter? bias;
    private readonly double _eps;

    /// <summary>Creates the layer.</summary>
    /// <param name="dimension">D, the size of the last dimension, ≥ 1.</param>
    /// <param name="eps">ε &gt; 0. The default is 1e-5, as PyTorch (DiT uses 1e-6).</param>
    /// <param name="elementwiseAffine">Whether to apply a learned <c>weight</c> (initialised to 1) and
    /// <c>bias</c> (initialised to 0). The default is <c>true</c>.</param>
    /// <param name="hasBias">With <paramref name="elementwiseAffine"/>, whether to add the bias. The default is <c>true</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="dimension"/> or <paramref name="eps"/> is not positive.</exception>
    public DualLayerNorm(long dimension, double eps = 1e-5, bool elementwiseAffine = true, bool hasBias = true,
        Device? device = null, ScalarType? dtype = null) : base(nameof(DualLayerNorm))
    {
        Guard.Positive(dimension, nameof(dimension));
        Guard.Positive(eps, nameof(eps));
        Dimension = dimension;
        _eps = eps;
        if (elementwiseAffine)
        {
            weight = new Parameter(ones(new[] { dimension }, dtype: dtype, device: device));
            if (hasBias) bias = new Parameter(zeros(new[] { dimension }, dtype: dtype, device: device));
        }
        RegisterComponents();
    }

    /// <summary>D, the normalised (last) dimension.</summary>
    public long Dimension { get; }

    /// <summary>ε.</summary>
    public double Epsilon => _eps;

    /// <summary>Normalises the last dimension and propagates the tangent.</summary>
    /// <param name="x">Input, shape (B, ..., D).</param>
    /// <returns>Output, shape (B, ..., D).</returns>
    /// <exception cref="System.ArgumentException">The last dimension of <paramref name="x"/> is not D.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, ..., {Dimension}]", dims: 1, atLeast: true, dim: -1, size: Dimension);
        using var scope = NewDisposeScope();
        var y = nn.functional.layer_norm(x.Primal, new[] { Dimension }, weight, bias, _eps);
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad())
        {
            if (SymmetricJacobian.Applies(x.Tangent))
            {
                dy = SymmetricJacobian.Tangent(t => nn.functional.layer_norm(t, new[] { Dimension }, null, null, _eps), x.LeadingPrimal, x.Tangent);
            }
            else
            {
                var (normalized, s) = NormalizationTangent.Normalize(NormalizationTangent.Centre(x.LeadingPrimal), _eps);
                dy = NormalizationTangent.Tangent(normalized, s, NormalizationTangent.Centre(x.Tangent));
            }
            if (weight is not null) dy.mul_(weight);
        }
        return new Dual(y, dy).MoveToOuter(scope);
    }
}
