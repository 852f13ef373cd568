using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>Draws the pairs (r, t), 0 ≤ r ≤ t ≤ 1, at which the MeanFlow objective is evaluated.</summary>
public interface ITimeSampler
{
    /// <summary>Draws one pair per row.</summary>
    /// <param name="batchSize">B ≥ 0.</param>
    /// <param name="dtype">Floating dtype of the times.</param>
    /// <param name="device">Device of the times.</param>
    /// <param name="generator">Random generator, or <c>null</c> for the global one.</param>
    /// <returns>r and t, each of shape (B,), with r ≤ t in every row; and, when the sampler puts the rows with r ≠ t
    /// first, their count (<see cref="TimeSample.LeadingDistinctRows"/>).</returns>
    TimeSample Sample(long batchSize, ScalarType dtype, Device device, Generator? generator = null);
}
