using System;
using System.Globalization;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>
/// MeanFlow's time sampler: draw two times, t = max and r = min, then set r = t on all but a fraction of the rows
/// (those rows train the instantaneous velocity, as in flow matching). As in the paper's code, the r = t rows keep
/// t = max of the two draws, so their t is not distributed like one draw.
/// </summary>
/// <remarks>
/// <para>The number of rows with r ≠ t is exactly K = round(fraction·B), and they are rows 0 … K − 1 of the batch
/// (as in the official improved-MeanFlow code; the public PyTorch implementations also fix the count). Rows are
/// independent and identically distributed, so which rows they are does not matter to the loss, a mean over rows;
/// knowing K on the host lets the objective take the tangent of one leading block without reading the device.</para>
/// <para>The paper's ImageNet default draws both times from logit-normal(−0.4, 1.0) and keeps r ≠ t on 25 % of the
/// rows; the official CIFAR-10 code uses 75 %. Distinct distributions for the two draws follow the official PyTorch
/// code (its P_mean_t / P_mean_r options).</para>
/// </remarks>
public sealed class MeanFlowTimeSampler : ITimeSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="distribution">Distribution of the first draw; <c>null</c> for <see cref="LogitNormalTimeDistribution"/>
    /// with its defaults.</param>
    /// <param name="distinctFraction">Fraction of rows with r ≠ t, in [0, 1]; the paper's 0.25 by default.</param>
    /// <param name="secondDistribution">Distribution of the second draw; <c>null</c> for the same as the first.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="distinctFraction"/> is outside [0, 1].</exception>
    public MeanFlowTimeSampler(
        ITimeDistribution? distribution = null,
        double distinctFraction = 0.25,
        ITimeDistribution? secondDistribution = null)
    {
        Guard.Fraction(distinctFraction, nameof(distinctFraction));
        Distribution = distribution ?? new LogitNormalTimeDistribution();
        SecondDistribution = secondDistribution ?? Distribution;
        DistinctFraction = distinctFraction;
    }

    /// <summary>Distribution of the first of the two draws.</summary>
    public ITimeDistribution Distribution { get; }

    /// <summary>Distribution of the second draw.</summary>
    public ITimeDistribution SecondDistribution { get; }

    /// <summary>Fraction of rows with r ≠ t (the paper's "ratio of r ≠ t").</summary>
    public double DistinctFraction { get; }

    /// <summary>K = round(fraction·B), rounding halves away from zero: the number of leading rows with r ≠ t.</summary>
    /// <param name="batchSize">B ≥ 0.</param>
    /// <returns>K in [0, B].</returns>
    public long DistinctRows(long batchSize) => (long)Math.Round(DistinctFraction * batchSize, MidpointRounding.AwayFromZero);

    /// <inheritdoc />
    /// <remarks>Rows 0 … K − 1 have r ≠ t (almost surely), rows K … B − 1 have r = t; see <see cref="DistinctRows"/>.</remarks>
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
        var k = DistinctRows(batchSize);
        if (k < batchSize) r.narrow(0, k, batchSize - k).copy_(t.narrow(0, k, batchSize - k));
        return new TimeSample(r.MoveToOuterDisposeScope(), t.MoveToOuterDisposeScope(), k);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"MeanFlowTimeSampler({Distribution}, {SecondDistribution}, distinct {DistinctFraction})");
}
