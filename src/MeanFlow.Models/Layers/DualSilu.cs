using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable SiLU, y = x·σ(x), as <c>nn.SiLU</c>. Its Jacobian is diagonal:
/// dy = σ(x)·(1 + x·(1 − σ(x)))·dx, evaluated on the K tangent rows only.
/// </summary>
public sealed class DualSilu : nn.Module<Dual, Dual>
{
    /// <summary>Creates the layer (no parameters).</summary>
    public DualSilu() : base(nameof(DualSilu)) { }

    /// <summary>Applies SiLU and propagates the tangent.</summary>
    /// <param name="x">Input, any shape (B, ...).</param>
    /// <returns>Output, shape of <paramref name="x"/>.</returns>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), "[B, ...]", dims: 1, atLeast: true);
        using var scope = NewDisposeScope();
        var y = nn.functional.silu(x.Primal);
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad()) dy = Derivative(x.LeadingPrimal).mul_(x.Tangent);
        return new Dual(y, dy).MoveToOuter(scope);
    }

    /// <summary>silu′(x) = σ(x)·(1 + x·(1 − σ(x))), a new tensor.</summary>
    internal static Tensor Derivative(Tensor x)
    {
        var s = x.sigmoid();
        return s.neg().add_(1).mul_(x).add_(1).mul_(s);
    }
}
