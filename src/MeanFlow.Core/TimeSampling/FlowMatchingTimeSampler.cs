using System;
using System.Globalization;
using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>
/// Flow matching's time sampler: one draw t per row from the given distribution, and r = t on every row. The drawn
/// t follow the distribution exactly (unlike the r = t rows of <see cref="MeanFlowTimeSampler"/>, which keep the
/// larger of two draws).
/// </summary>
public sealed class FlowMatchingTimeSampler : ITimeSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="distribution">Distribution of t; <c>null</c> for <see cref="LogitNormalTimeDistribution"/> with its defaults.</param>
    public FlowMatchingTimeSampler(ITimeDistribution? distribution = null) =>
        Distribution = distribution ?? new LogitNormalTimeDistribution();

    /// <summary>Distribution of t.</summary>
    public ITimeDistribution Distribution { get; }

    /// <inheritdoc />
    /// <remarks>Every row has r = t, so <see cref="TimeSample.LeadingDistinctRows"/> is 0.</remarks>
    public TimeSample Sample(long batchSize, ScalarType dtype, Device device, Generator? generator = null)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be ≥ 0; got {batchSize}.");
        ArgumentNullException.ThrowIfNull(device);
        var t = Distribution.Sample(batchSize, dtype, device, generator);
        return new TimeSample(t.clone(), t, leadingDistinctRows: 0);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"FlowMatchingTimeSampler({Distribution})");
}
