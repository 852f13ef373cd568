using System;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable dropout, as <c>nn.Dropout</c>: in training mode each element is kept with probability
/// 1 − p and scaled by 1/(1 − p); in evaluation mode (or with p = 0) it is the identity. The tangent of the
/// leading K rows is multiplied by <b>the same mask</b> as those primal rows, so it is the exact JVP of the
/// function the primal evaluated (a fresh mask would differentiate a different network).
/// </summary>
public sealed class DualDropout : nn.Module<Dual, Dual>
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">Drop probability in [0, 1]. The default is 0.5.</param>
    /// <param name="generator">Random generator for the masks, or <c>null</c> for the global one. The default is <c>null</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public DualDropout(double p = 0.5, Generator? generator = null) : base(nameof(DualDropout))
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"p must lie in [0, 1]; got {p}.");
        P = p;
        _generator = generator;
    }

    /// <summary>The drop probability.</summary>
    public double P { get; }

    /// <summary>Applies dropout with one mask for primal and tangent rows; returns <paramref name="x"/> itself
    /// in evaluation mode or with p = 0.</summary>
    /// <param name="x">Input, any shape (B, ...).</param>
    /// <returns>Output, shape of <paramref name="x"/>.</returns>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), "[B, ...]", dims: 1, atLeast: true);
        if (!training || P == 0) return x;
        using var scope = NewDisposeScope();
        Tensor mask;
        using (no_grad())
            mask = P >= 1 ? zeros_like(x.Primal) : empty_like(x.Primal).bernoulli_(1 - P, _generator).div_(1 - P);
        var y = x.Primal * mask;
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);
        Tensor dy;
        using (no_grad()) dy = x.Tangent * mask.narrow(0, 0, x.TangentRows);
        return new Dual(y, dy).MoveToOuter(scope);
    }
}
