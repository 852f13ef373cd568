using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Evaluation;

/// <summary>
/// Accumulates the mean and covariance of features arriving in batches, in float64, by Chan et al.'s
/// pairwise update (mean and centred sum of squares M2 per batch, merged with the correction
/// δδᵀ·n_a·n_b / n), which avoids the cancellation of the naive Σxxᵀ − Nμμᵀ.
/// </summary>
public sealed class GaussianStatisticsAccumulator : IDisposable
{
    private Tensor? _mean;
    private Tensor? _m2;

    /// <summary>Samples added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds a batch of features.</summary>
    /// <param name="features">Shape (B, F), B ≥ 1, floating, finite; F and device as in earlier batches.</param>
    /// <exception cref="ArgumentException">The shape, device or values are unacceptable.</exception>
    public void Add(Tensor features)
    {
        Guard.Floating(features, nameof(features));
        if (features.dim() != 2 || features.shape[0] < 1 || features.shape[1] < 1)
            throw new ArgumentException($"features must have shape (B, F) with B, F ≥ 1; got {Guard.Shape(features)}.", nameof(features));
        if (_mean is not null)
        {
            if (features.shape[1] != _mean.shape[0])
                throw new ArgumentException($"features has {features.shape[1]} columns but earlier batches had {_mean.shape[0]}.", nameof(features));
            Guard.SameDevice(_mean, "earlier batches", features, nameof(features));
        }
        Guard.AllFinite(features, nameof(features));

        using var scope = NewDisposeScope();
        var x = features.detach().to(ScalarType.Float64);
        long nb = x.shape[0];
        var meanB = x.mean(new long[] { 0 });
        var centred = x - meanB;
        var m2B = centred.t().matmul(centred);
        if (_mean is null)
        {
            _mean = meanB.DetachFromDisposeScope();
            _m2 = m2B.DetachFromDisposeScope();
        }
        else
        {
            long na = Count, n = na + nb;
            var delta = meanB - _mean;
            _mean.add_(delta * ((double)nb / n));
            _m2!.add_(m2B).add_(outer(delta, delta).mul_((double)na * nb / n));
        }
        Count += nb;
    }

    /// <summary>The statistics so far (copies; the accumulator can keep going).</summary>
    /// <returns>μ and the unbiased Σ = M2 / (N − 1).</returns>
    /// <exception cref="InvalidOperationException">Fewer than 2 samples were added.</exception>
    public GaussianStatistics ToStatistics()
    {
        if (Count < 2)
            throw new InvalidOperationException($"A covariance needs at least 2 samples; {Count} were added.");
        using var scope = NewDisposeScope();
        var covariance = _m2! / (Count - 1);
        return new GaussianStatistics(_mean!, (covariance + covariance.t()) * 0.5, Count);
    }

    /// <summary>Frees the running sums.</summary>
    public void Dispose()
    {
        _mean?.Dispose();
        _m2?.Dispose();
    }
}
