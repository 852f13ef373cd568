using System.Globalization;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>
/// The logit-normal distribution: t = sigmoid(μ + σ·n), n ~ N(0, 1). The defaults are MeanFlow's ImageNet
/// setting; the official CIFAR-10 configuration uses μ = −2.0, σ = 2.0.
/// </summary>
public sealed class LogitNormalTimeDistribution : ITimeDistribution
{
    /// <summary>Creates the distribution.</summary>
    /// <param name="mean">μ, the mean of the underlying normal. The default is −0.4.</param>
    /// <param name="std">σ &gt; 0, its standard deviation. The default is 1.0.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">μ is not finite or σ is not positive.</exception>
    public LogitNormalTimeDistribution(double mean = -0.4, double std = 1.0)
    {
        Guard.Finite(mean, nameof(mean));
        Guard.Positive(std, nameof(std));
        Mean = mean;
        Std = std;
    }

    /// <summary>μ, the mean of the normal before the sigmoid.</summary>
    public double Mean { get; }

    /// <summary>σ, the standard deviation of the normal before the sigmoid.</summary>
    public double Std { get; }

    /// <inheritdoc />
    public Tensor Sample(long count, ScalarType dtype, Device device, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var n = RandomDraw.Normal(new[] { count }, dtype, device, generator);
        return (n * Std + Mean).sigmoid().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"LogitNormal({Mean}, {Std})");
}
