using System;
using System.Linq;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Normalization;

/// <summary>
/// Standardizes each channel: y = (x − mean_c) / std_c, with channels on dimension 1 of (B, C, ...).
/// Typical for latents and for data whose channels have different scales.
/// </summary>
public sealed class ChannelNormalizer : INormalizer
{
    private readonly double[] _mean;
    private readonly double[] _std;

    /// <summary>Creates the normalizer.</summary>
    /// <param name="mean">Per-channel means, length C.</param>
    /// <param name="std">Per-channel standard deviations, length C, each &gt; 0.</param>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A mean is not finite or a std is not positive.</exception>
    public ChannelNormalizer(double[] mean, double[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"mean and std must have the same non-zero length; got {mean.Length} and {std.Length}.", nameof(std));
        for (var c = 0; c < mean.Length; c++)
        {
            Guard.Finite(mean[c], $"mean[{c}]");
            Guard.Positive(std[c], $"std[{c}]");
        }
        _mean = (double[])mean.Clone();
        _std = (double[])std.Clone();
    }

    /// <summary>Per-channel means.</summary>
    public double[] Mean => (double[])_mean.Clone();

    /// <summary>Per-channel standard deviations.</summary>
    public double[] Std => (double[])_std.Clone();

    /// <summary>Channels C.</summary>
    public int Channels => _mean.Length;

    /// <summary>Fits the per-channel mean and standard deviation of a dataset.</summary>
    /// <param name="data">Shape (N, C, ...), floating point, N·(spatial size) ≥ 2.</param>
    /// <returns>The normalizer that standardizes <paramref name="data"/>.</returns>
    public static ChannelNormalizer Fit(Tensor data)
    {
        Guard.Floating(data, nameof(data), minDims: 2);
        Guard.AllFinite(data, nameof(data));
        using var scope = NewDisposeScope();
        var perChannel = data.transpose(0, 1).flatten(1).to(ScalarType.Float64);   // (C, N·...)
        var mean = perChannel.mean(new long[] { 1 }).data<double>().ToArray();
        var std = perChannel.std(1).data<double>().ToArray();
        return new ChannelNormalizer(mean, std);
    }

    /// <inheritdoc />
    public Tensor Normalize(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (mean, std) = Statistics(x, nameof(x));
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Denormalize(Tensor y)
    {
        using var scope = NewDisposeScope();
        var (mean, std) = Statistics(y, nameof(y));
        return (y * std + mean).MoveToOuterDisposeScope();
    }

    private (Tensor Mean, Tensor Std) Statistics(Tensor x, string name)
    {
        Guard.Floating(x, name, minDims: 2);
        if (x.shape[1] != Channels)
            throw new ArgumentException($"{name} must have {Channels} channels on dimension 1; got shape {Guard.Shape(x)}.", name);
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[1] = Channels;
        return (tensor(_mean, dtype: x.dtype, device: x.device).reshape(shape),
                tensor(_std, dtype: x.dtype, device: x.device).reshape(shape));
    }
}
