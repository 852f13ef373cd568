using System;
using System.Globalization;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>
/// MeanFlow's time sampler: draw two times, t = max and r = min, then set r = t on a fraction of the
/// rows (those rows train the instantaneous velocity, as in flow matching).
/// </summary>
/// <remarks>
/// The defaults are the paper's ImageNet setting; the official CIFAR-10 code keeps r ≠ t on 75 % of the rows. Distinct distributions for the two draws follow the
/// official PyTorch code (its P_mean_t / P_mean_r options).
/// </remarks>
public sealed class MeanFlowTimeSampler : ITimeSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="distribution">Distribution of the first draw; <c>null</c> for <see cref="LogitNormalTimeDistribution"/> with its defaults.</param>
    /// <param name="distinctFraction">Fraction of rows with r ≠ t, in [0, 1]. The default is 0.25.</param>
    /// <param name="secondDistribution">Distribution of the second draw; <c>null</c> for the same as the first.</param>
    /// <param name="exactCount">When true, exactly round(fraction·B) rows get r ≠ t (chosen at random);
    /// when false (the default), each row independently with probability <paramref name="distinctFraction"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="distinctFraction"/> is outside [0, 1].</exception>
    public MeanFlowTimeSampler(
        ITimeDistribution? distribution = null,
        double distinctFraction = 0.25,
        ITimeDistribution? secondDistribution = null,
        bool exactCount = false)
    {
        Guard.Fraction(distinctFraction, nameof(distinctFraction));
        Distribution = distribution ?? new LogitNormalTimeDistribution();
        SecondDistribution = secondDistribution ?? Distribution;
        DistinctFraction = distinctFraction;
        ExactCount = exactCount;
    }

    /// <summary>Distribution of the first of the two draws.</summary>
    public ITimeDistribution Distribution { get; }

    /// <summary>Distribution of the second draw.</summary>
    public ITimeDistribution SecondDistribution { get; }

    /// <summary>Fraction of rows with r ≠ t (the paper's "ratio of r ≠ t").</summary>
    public double DistinctFraction { get; }

    /// <summary>Whether the number of rows with r ≠ t is exactly round(fraction·B).</summary>
    public bool ExactCount { get; }

    /// <inheritdoc />
    public TimeSample Sample(long batchSize, ScalarType dtype, Device device, Generator? generator = null)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be ≥ 0; got {batchSize}.");
        ArgumentNullException.ThrowIfNull(device);
        using var scope = NewDisposeScope();
        var first = Distribution.Sample(batchSize, dtype, device, generator);
        var second = SecondDistribution.Sample(batchSize, dtype, device, generator);
        var t = maximum(first, second);
        var r = minimum(first, second);
        var distinct = DistinctRows(batchSize, device, generator);
        r = where(distinct, r, t);
        return new TimeSample(r: r.MoveToOuterDisposeScope(), t: t.MoveToOuterDisposeScope());
    }

    private Tensor DistinctRows(long batchSize, Device device, Generator? generator)
    {
        var u = RandomDraw.Uniform(new[] { batchSize }, ScalarType.Float64, device, generator);
        if (!ExactCount) return u < DistinctFraction;
        // The k smallest of B i.i.d. uniforms mark a uniformly random subset of size k.
        var k = (long)Math.Round(DistinctFraction * batchSize, MidpointRounding.AwayFromZero);
        var mask = zeros(batchSize, dtype: ScalarType.Bool, device: device);
        if (k > 0) mask.index_fill_(0, u.argsort().narrow(0, 0, k), true);
        return mask;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"MeanFlowTimeSampler({Distribution}, {SecondDistribution}, distinct {DistinctFraction}{(ExactCount ? " exact" : "")})");
}
