using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable RMSNorm over the last dimension, as PyTorch's <c>nn.RMSNorm</c> (which TorchSharp 0.107
/// lacks): y = x·s ⊙ w with s = 1/√(mean(x²) + ε); parameter <c>weight</c> (D,) when affine. Tangent:
/// dy = s·(dx − x̂·mean(x̂ ⊙ dx)) ⊙ w, reusing the primal's x̂ = x·s and s of the leading rows.
/// </summary>
public sealed class DualRmsNorm : nn.Module<Dual, Dual>
{
    private readonly Parameter? weight;
    private readonly double? _eps;

    /// <summary>Creates the layer.</summary>
    /// <param name="dimension">D, the size of the last dimension, ≥ 1.</param>
    /// <param name="eps">ε &gt; 0, or <c>null</c> for the machine epsilon of the input's dtype, as PyTorch.
    /// The default is <c>null</c>.</param>
    /// <param name="elementwiseAffine">Whether to multiply by a learned <c>weight</c> (initialised to 1).
    /// The default is <c>true</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="dimension"/> or <paramref name="eps"/> is not positive.</exception>
    public DualRmsNorm(long dimension, double? eps = null, bool elementwiseAffine = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(DualRmsNorm))
    {
        Guard.Positive(dimension, nameof(dimension));
        if (eps is { } e) Guard.Positive(e, nameof(eps));
        Dimension = dimension;
        _eps = eps;
        if (elementwiseAffine) weight = new Parameter(ones(new[] { dimension }, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>D, the normalised (last) dimension.</summary>
    public long Dimension { get; }

    /// <summary>ε for inputs of <paramref name="dtype"/>.</summary>
    /// <param name="dtype">The input's dtype.</param>
    /// <returns>The configured ε, or the dtype's machine epsilon.</returns>
    public double Epsilon(ScalarType dtype) => _eps ?? finfo(dtype).eps;

    /// <summary>The affine weight (D,), or <c>null</c>.</summary>
    public Parameter? Weight => weight;

    /// <summary>Normalises the last dimension and propagates the tangent.</summary>
    /// <param name="x">Input, shape (B, ..., D).</param>
    /// <returns>Output, shape (B, ..., D).</returns>
    /// <exception cref="System.ArgumentException">The last dimension of <paramref name="x"/> is not D.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, ..., {Dimension}]", dims: 1, atLeast: true, dim: -1, size: Dimension);
        using var scope = NewDisposeScope();
        var p = x.Primal;
        var s = p.square().mean(new long[] { -1 }, keepdim: true).add(Epsilon(p.dtype)).rsqrt();
        var normalized = p * s;
        var y = weight is null ? normalized : normalized * weight;
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad())
        {
            var k = x.TangentRows;
            dy = NormalizationTangent.Tangent(normalized.narrow(0, 0, k), s.narrow(0, 0, k), x.Tangent);
            if (weight is not null) dy.mul_(weight);
        }
        return new Dual(y, dy).MoveToOuter(scope);
    }
}
