using static TorchSharp.torch;

namespace MeanFlow.Evaluation;

/// <summary>
/// Maps images to feature vectors for distribution metrics such as <see cref="FrechetDistance"/> (an
/// Inception network gives FID; a small classifier trained on the dataset gives a cheaper, dataset-specific
/// score; <see cref="FlattenFeatureExtractor"/> uses the pixels themselves).
/// </summary>
public interface IFeatureExtractor
{
    /// <summary>Features of a batch of images. Called under no_grad by <see cref="GaussianStatistics.FromImages"/>.</summary>
    /// <param name="images">Shape (N, C, H, W), in the range the extractor documents.</param>
    /// <returns>Shape (N, F), floating, on any device.</returns>
    Tensor Extract(Tensor images);
}
