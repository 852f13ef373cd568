using System;
using System.Globalization;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Normalization;

/// <summary>
/// Maps the data range [min, max] affinely onto [−1, 1]: y = 2·(x − min)/(max − min) − 1. With the
/// defaults it maps images in [0, 1] to [−1, 1].
/// </summary>
public sealed class MinMaxNormalizer : INormalizer
{
    /// <summary>Creates the normalizer.</summary>
    /// <param name="min">The data value sent to −1. The default is 0.</param>
    /// <param name="max">The data value sent to +1, &gt; <paramref name="min"/>. The default is 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">The bounds are not finite or max ≤ min.</exception>
    public MinMaxNormalizer(double min = 0.0, double max = 1.0)
    {
        Guard.Finite(min, nameof(min));
        Guard.Finite(max, nameof(max));
        if (!(max > min))
            throw new ArgumentOutOfRangeException(nameof(max), max,
                string.Create(CultureInfo.InvariantCulture, $"max must exceed min; got min = {min}, max = {max}."));
        Min = min;
        Max = max;
    }

    /// <summary>The data value sent to −1.</summary>
    public double Min { get; }

    /// <summary>The data value sent to +1.</summary>
    public double Max { get; }

    /// <inheritdoc />
    public Tensor Normalize(Tensor x)
    {
        Guard.Floating(x, nameof(x));
        return (x - Min) * (2.0 / (Max - Min)) - 1.0;
    }

    /// <inheritdoc />
    public Tensor Denormalize(Tensor y)
    {
        Guard.Floating(y, nameof(y));
        return (y + 1.0) * ((Max - Min) / 2.0) + Min;
    }
}
