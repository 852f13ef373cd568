using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>A distribution on [0, 1] from which times are drawn.</summary>
public interface ITimeDistribution
{
    /// <summary>Draws <paramref name="count"/> independent times.</summary>
    /// <param name="count">How many, ≥ 0.</param>
    /// <param name="dtype">Floating dtype of the result.</param>
    /// <param name="device">Device of the result.</param>
    /// <param name="generator">Random generator, or <c>null</c> for the global one.</param>
    /// <returns>Shape (count,), values in [0, 1].</returns>
    Tensor Sample(long count, ScalarType dtype, Device device, Generator? generator = null);
}
