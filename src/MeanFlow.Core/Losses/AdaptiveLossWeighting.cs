using System.Globalization;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Losses;

/// <summary>
/// MeanFlow's adaptive weighting w = 1 / (‖Δ‖² + c)^p. With p = 1 − γ the weighted loss sg(w)·‖Δ‖² has
/// the gradient of (‖Δ‖² + c)^γ / γ: p = 0 is the squared error, p = 0.5 behaves like the Pseudo-Huber
/// loss, p = 1 like a logarithmic loss, robust to rows with large errors.
/// </summary>
public sealed class AdaptiveLossWeighting : ILossWeighting
{
    /// <summary>Creates the weighting.</summary>
    /// <param name="power">p ≥ 0. The default is 1.0 (the paper's ImageNet setting; the official CIFAR-10 code uses 0.75).</param>
    /// <param name="constant">c &gt; 0, keeps the weight finite at Δ = 0. The default is 1e-2 (the paper's JAX code; the
    /// official PyTorch CIFAR-10 code uses 1e-3).</param>
    /// <exception cref="System.ArgumentOutOfRangeException">p is negative or not finite, or c is not a finite positive number.</exception>
    public AdaptiveLossWeighting(double power = 1.0, double constant = 1e-2)
    {
        Guard.NonNegative(power, nameof(power));
        Guard.Positive(constant, nameof(constant));
        Power = power;
        Constant = constant;
    }

    /// <summary>The weighting of the robust loss (‖Δ‖² + c)^γ / γ, p = 1 − γ.</summary>
    /// <param name="gamma">γ ≤ 1.</param>
    /// <param name="constant">c &gt; 0. The default is 1e-2.</param>
    /// <returns>The weighting with p = 1 − γ.</returns>
    public static AdaptiveLossWeighting FromGamma(double gamma, double constant = 1e-2) => new(1 - gamma, constant);

    /// <summary>p, the power of the weight.</summary>
    public double Power { get; }

    /// <summary>c, the constant added to ‖Δ‖².</summary>
    public double Constant { get; }

    /// <inheritdoc />
    /// <remarks>The adaptive weight depends on ‖Δ‖² only; the times are not used.</remarks>
    public Tensor Weights(Tensor squaredError, Tensor r, Tensor t)
    {
        Guard.Floating(squaredError, nameof(squaredError));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return (squaredError.detach() + Constant).pow(-Power).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Adaptive(p = {Power}, c = {Constant})");
}
