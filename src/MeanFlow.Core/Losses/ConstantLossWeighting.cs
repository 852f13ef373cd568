using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Losses;

/// <summary>Constant weights: the plain squared-error loss (the paper's p = 0).</summary>
public sealed class ConstantLossWeighting : ILossWeighting
{
    /// <summary>Creates the weighting.</summary>
    /// <param name="weight">The weight, &gt; 0. The default is 1.</param>
    /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="weight"/> is not a finite positive number.</exception>
    public ConstantLossWeighting(double weight = 1.0)
    {
        Guard.Positive(weight, nameof(weight));
        Weight = weight;
    }

    /// <summary>The constant weight.</summary>
    public double Weight { get; }

    /// <inheritdoc />
    public Tensor Weights(Tensor squaredError, Tensor r, Tensor t)
    {
        Guard.Floating(squaredError, nameof(squaredError));
        return full_like(squaredError, Weight).detach();
    }
}
