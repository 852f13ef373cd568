using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable affine map y = x·Wᵀ + b over the last dimension, as <c>nn.Linear</c> (same parameters,
/// state-dict keys <c>weight</c> and <c>bias</c>, same initialisation). Tangent: dy = dx·Wᵀ.
/// </summary>
public sealed class DualLinear : nn.Module<Dual, Dual>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;

    /// <summary>Creates the layer, initialised like <c>nn.Linear</c> (uniform in ±1/√in).</summary>
    /// <param name="inFeatures">Input width, ≥ 1.</param>
    /// <param name="outFeatures">Output width, ≥ 1.</param>
    /// <param name="hasBias">Whether to add a bias. The default is <c>true</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A width is not positive.</exception>
    public DualLinear(long inFeatures, long outFeatures, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(DualLinear))
    {
        Guard.Positive(inFeatures, nameof(inFeatures));
        Guard.Positive(outFeatures, nameof(outFeatures));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty(new[] { outFeatures, inFeatures }, dtype: dtype, device: device));
        if (hasBias) bias = new Parameter(empty(new[] { outFeatures }, dtype: dtype, device: device));
        LayerInit.Uniform(weight, bias, inFeatures);
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>W, shape (out, in).</summary>
    public Parameter Weight => weight;

    /// <summary>b, shape (out,), or <c>null</c>.</summary>
    public Parameter? Bias => bias;

    /// <summary>y = x·Wᵀ + b and dy = dx·Wᵀ.</summary>
    /// <param name="x">Input, shape (B, ..., in).</param>
    /// <returns>Output, shape (B, ..., out).</returns>
    /// <exception cref="System.ArgumentException">The last dimension of <paramref name="x"/> is not <see cref="InFeatures"/>.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, ..., {InFeatures}]", dims: 2, atLeast: true, dim: -1, size: InFeatures);
        using var scope = NewDisposeScope();
        var y = nn.functional.linear(x.Primal, weight, bias);
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad()) dy = nn.functional.linear(x.Tangent, weight);
        return new Dual(y, dy).MoveToOuter(scope);
    }
}
