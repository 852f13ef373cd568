using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>The uniform distribution on [0, 1].</summary>
public sealed class UniformTimeDistribution : ITimeDistribution
{
    /// <inheritdoc />
    public Tensor Sample(long count, ScalarType dtype, Device device, Generator? generator = null) =>
        RandomDraw.Uniform(new[] { count }, dtype, device, generator);

    /// <inheritdoc />
    public override string ToString() => "Uniform(0, 1)";
}
