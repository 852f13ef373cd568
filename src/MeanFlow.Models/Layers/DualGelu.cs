using System;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable GELU, as <c>nn.GELU</c>: by default the tanh approximation used by DiT,
/// y = x/2·(1 + tanh(c·(x + a·x³))) with c = √(2/π), a = 0.044715; optionally the exact y = x·Φ(x).
/// The Jacobian is diagonal: dy = gelu′(x)·dx, evaluated on the K tangent rows only — for large tangents by
/// libtorch's fused GELU backward applied to dx (a diagonal Jacobian is symmetric), else by the closed form.
/// </summary>
/// <remarks>The primal uses libtorch's fused <c>gelu</c>: recomputing tanh for the K tangent rows is cheaper
/// than an explicit composite primal whose tanh could be reused (measured about 2.5× slower forward + backward
/// for all rows).</remarks>
public sealed class DualGelu : nn.Module<Dual, Dual>
{
    private const double C = 0.79788456080286535588;   // √(2/π)
    private const double A = 0.044715;
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    /// <summary>Creates the layer (no parameters).</summary>
    /// <param name="tanhApproximation">Whether to use the tanh approximation (DiT) rather than the exact erf
    /// form. The default is <c>true</c>.</param>
    public DualGelu(bool tanhApproximation = true) : base(nameof(DualGelu))
    {
        TanhApproximation = tanhApproximation;
    }

    /// <summary>Whether the tanh approximation is used.</summary>
    public bool TanhApproximation { get; }

    /// <summary>Applies GELU and propagates the tangent.</summary>
    /// <param name="x">Input, any shape (B, ...).</param>
    /// <returns>Output, shape of <paramref name="x"/>.</returns>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), "[B, ...]", dims: 1, atLeast: true);
        using var scope = NewDisposeScope();
        var y = Gelu(x.Primal);
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad())
        {
            dy = SymmetricJacobian.Applies(x.Tangent)
                ? SymmetricJacobian.Tangent(Gelu, x.LeadingPrimal, x.Tangent)
                : (TanhApproximation ? TanhDerivative(x.LeadingPrimal) : ErfDerivative(x.LeadingPrimal)).mul_(x.Tangent);
        }
        return new Dual(y, dy).MoveToOuter(scope);
    }

    /// <summary>The primal: libtorch's fused GELU, tanh-approximated or exact.</summary>
    private Tensor Gelu(Tensor x) =>
        nn.functional.gelu(x, TanhApproximation ? TorchSharp.Modules.GELU.Approximate.tanh : TorchSharp.Modules.GELU.Approximate.none);

    /// <summary>gelu′(x) = ½(1 + τ) + ½·x·(1 − τ²)·c·(1 + 3a·x²), τ = tanh(c·(x + a·x³)); a new tensor.</summary>
    private static Tensor TanhDerivative(Tensor x)
    {
        var x2 = x.square();
        var tau = x2.mul(A).add_(1).mul_(x).mul_(C).tanh_();
        var inner = x2.mul_(3 * A).add_(1).mul_(x).mul_(C);            // c·(1 + 3a·x²)·x
        return tau.square().neg_().add_(1).mul_(inner).add_(tau).add_(1).mul_(0.5);
    }

    /// <summary>gelu′(x) = Φ(x) + x·φ(x) for the exact GELU; a new tensor.</summary>
    private static Tensor ErfDerivative(Tensor x)
    {
        var pdf = x.square().mul_(-0.5).exp_().mul_(InvSqrt2Pi).mul_(x);
        return x.mul(InvSqrt2).erf_().add_(1).mul_(0.5).add_(pdf);
    }
}
