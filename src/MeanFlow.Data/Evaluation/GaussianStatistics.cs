using System;
using System.Collections.Generic;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Evaluation;

/// <summary>
/// The mean μ and covariance Σ of a feature set, in float64: the Gaussian summary that
/// <see cref="FrechetDistance"/> compares. Σ is the unbiased sample covariance (divisor N − 1), as numpy's
/// cov and the reference FID code use.
/// </summary>
public sealed class GaussianStatistics : IDisposable
{
    /// <summary>Wraps given moments (copied to float64; the caller keeps its tensors).</summary>
    /// <param name="mean">μ, shape (F,).</param>
    /// <param name="covariance">Σ, shape (F, F), symmetric positive semi-definite, on the device of <paramref name="mean"/>.</param>
    /// <param name="count">How many samples the moments summarise, ≥ 1 (informational).</param>
    /// <exception cref="ArgumentException">Shapes disagree, or a value is not finite.</exception>
    public GaussianStatistics(Tensor mean, Tensor covariance, long count)
    {
        Guard.Floating(mean, nameof(mean));
        Guard.Floating(covariance, nameof(covariance));
        Guard.Positive(count, nameof(count));
        if (mean.dim() != 1 || mean.shape[0] < 1)
            throw new ArgumentException($"mean must have shape (F,) with F ≥ 1; got {Guard.Shape(mean)}.", nameof(mean));
        var f = mean.shape[0];
        if (covariance.dim() != 2 || covariance.shape[0] != f || covariance.shape[1] != f)
            throw new ArgumentException($"covariance must have shape ({f}, {f}) to match mean; got {Guard.Shape(covariance)}.", nameof(covariance));
        Guard.SameDevice(mean, nameof(mean), covariance, nameof(covariance));
        Guard.AllFinite(mean, nameof(mean));
        Guard.AllFinite(covariance, nameof(covariance));
        using var scope = NewDisposeScope();
        Mean = mean.detach().to(ScalarType.Float64, copy: true).DetachFromDisposeScope();
        Covariance = covariance.detach().to(ScalarType.Float64, copy: true).DetachFromDisposeScope();
        Count = count;
    }

    /// <summary>μ, float64, shape (F,).</summary>
    public Tensor Mean { get; }

    /// <summary>Σ, float64, shape (F, F).</summary>
    public Tensor Covariance { get; }

    /// <summary>N, the number of samples summarised.</summary>
    public long Count { get; }

    /// <summary>F, the feature dimension.</summary>
    public long Dimension => Mean.shape[0];

    /// <summary>The moments of a feature set.</summary>
    /// <param name="features">Shape (N, F), N ≥ 2, floating.</param>
    /// <returns>μ and the unbiased Σ, float64, on the device of <paramref name="features"/>.</returns>
    public static GaussianStatistics FromFeatures(Tensor features)
    {
        using var accumulator = new GaussianStatisticsAccumulator();
        accumulator.Add(features);
        return accumulator.ToStatistics();
    }

    /// <summary>The moments of the features of image batches, accumulated batch by batch under no_grad.</summary>
    /// <param name="extractor">Maps (B, C, H, W) images to (B, F) features.</param>
    /// <param name="imageBatches">The images; each batch is used once and not disposed here.</param>
    /// <returns>μ and the unbiased Σ over all images (N ≥ 2 in total).</returns>
    public static GaussianStatistics FromImages(IFeatureExtractor extractor, IEnumerable<Tensor> imageBatches)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(imageBatches);
        using var accumulator = new GaussianStatisticsAccumulator();
        foreach (var images in imageBatches)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            accumulator.Add(extractor.Extract(images));
        }
        return accumulator.ToStatistics();
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Mean.Dispose();
        Covariance.Dispose();
    }
}
