using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Evaluation;

/// <summary>Uses the raw values as features: (N, ...) → (N, F) with F the product of the other dimensions.</summary>
public sealed class FlattenFeatureExtractor : IFeatureExtractor
{
    /// <inheritdoc />
    public Tensor Extract(Tensor images)
    {
        Guard.Floating(images, nameof(images), minDims: 1);
        return images.reshape(images.shape[0], -1);
    }
}
