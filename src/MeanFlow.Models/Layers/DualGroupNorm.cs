using System.Linq;
using MeanFlow.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable GroupNorm, as <c>nn.GroupNorm</c> (parameters <c>weight</c> and <c>bias</c> (C,) when
/// affine): the C channels of x (B, C, *) are split into G groups, each normalised over its channels and
/// positions, then scaled and shifted per channel. Tangent per group: s·(dx_c − x̂·mean(x̂ ⊙ dx_c)), times w.
/// </summary>
/// <remarks>The primal uses libtorch's fused <c>group_norm</c>. The tangent covers the K tangent rows only: for
/// large tangents as libtorch's fused GroupNorm backward (without affine) applied to dx — the normalisation's
/// Jacobian is symmetric, so its JVP is its VJP — else by the closed form, recomputing x̂ and s.</remarks>
public sealed class DualGroupNorm : nn.Module<Dual, Dual>
{
    private readonly Parameter? weight;
    private readonly Parameter? bias;
    private readonly double _eps;

    /// <summary>Creates the layer.</summary>
    /// <param name="groups">G, ≥ 1, dividing <paramref name="channels"/>.</param>
    /// <param name="channels">C, ≥ 1.</param>
    /// <param name="eps">ε &gt; 0. The default is 1e-5, as PyTorch and EDM.</param>
    /// <param name="affine">Whether to apply a learned per-channel <c>weight</c> (initialised to 1) and
    /// <c>bias</c> (initialised to 0). The default is <c>true</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A size or ε is not positive, or G does not divide C.</exception>
    public DualGroupNorm(long groups, long channels, double eps = 1e-5, bool affine = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(DualGroupNorm))
    {
        Guard.Positive(groups, nameof(groups));
        Guard.Positive(channels, nameof(channels));
        Guard.Positive(eps, nameof(eps));
        if (channels % groups != 0)
            throw new System.ArgumentOutOfRangeException(nameof(groups), groups, $"groups must divide channels ({channels}); got {groups}.");
        Groups = groups;
        Channels = channels;
        _eps = eps;
        if (affine)
        {
            weight = new Parameter(ones(new[] { channels }, dtype: dtype, device: device));
            bias = new Parameter(zeros(new[] { channels }, dtype: dtype, device: device));
        }
        RegisterComponents();
    }

    /// <summary>G, the number of groups.</summary>
    public long Groups { get; }

    /// <summary>C, the number of channels.</summary>
    public long Channels { get; }

    /// <summary>Normalises each group and propagates the tangent.</summary>
    /// <param name="x">Input, shape (B, C, *) (any number of trailing dimensions).</param>
    /// <returns>Output, shape (B, C, *).</returns>
    /// <exception cref="System.ArgumentException">The shape of <paramref name="x"/> does not fit.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, {Channels}, *]", dims: 2, atLeast: true, dim: 1, size: Channels);
        using var scope = NewDisposeScope();
        var y = nn.functional.group_norm(x.Primal, Groups, weight, bias, _eps);
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad())
        {
            var shape = x.Tangent.shape;
            if (SymmetricJacobian.Applies(x.Tangent))
            {
                dy = SymmetricJacobian.Tangent(t => nn.functional.group_norm(t, Groups, null, null, _eps), x.LeadingPrimal, x.Tangent);
            }
            else
            {
                var grouped = new[] { shape[0], Groups, shape.Skip(1).Aggregate(1L, (a, n) => a * n) / Groups };
                var (normalized, s) = NormalizationTangent.Normalize(NormalizationTangent.Centre(x.LeadingPrimal.reshape(grouped)), _eps);
                dy = NormalizationTangent.Tangent(normalized, s, NormalizationTangent.Centre(x.Tangent.reshape(grouped))).view(shape);
            }
            if (weight is not null) dy.mul_(weight.view(new[] { Channels }.Concat(Enumerable.Repeat(1L, shape.Length - 2)).ToArray()));
        }
        return new Dual(y, dy).MoveToOuter(scope);
    }
}
