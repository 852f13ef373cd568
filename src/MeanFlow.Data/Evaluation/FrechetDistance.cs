using System;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Evaluation;

/// <summary>
/// The Fréchet (2-Wasserstein) distance between Gaussians N(μ₁, Σ₁) and N(μ₂, Σ₂):
/// ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}) — FID when the features are Inception's.
/// </summary>
/// <remarks>
/// Computed in float64 with two symmetric eigendecompositions: Σ₁^{1/2} = V diag(√λ) Vᵀ, then the
/// eigenvalues ν of the symmetric PSD matrix Σ₁^{1/2} Σ₂ Σ₁^{1/2}, whose square root has trace Σ√ν. Unlike
/// scipy's sqrtm of the non-symmetric Σ₁Σ₂ this never produces complex parts. Eigenvalues below zero by
/// round-off are set to 0; a result below zero by round-off is returned as 0.
/// </remarks>
public static class FrechetDistance
{
    /// <summary>Relative size of a negative eigenvalue above which a covariance is rejected as not PSD.</summary>
    internal const double NegativeEigenvalueTolerance = 1e-6;

    /// <summary>The distance between two summarised feature sets.</summary>
    /// <param name="first">μ₁, Σ₁.</param>
    /// <param name="second">μ₂, Σ₂, same dimension and device.</param>
    /// <returns>The squared Fréchet distance, ≥ 0.</returns>
    public static double Compute(GaussianStatistics first, GaussianStatistics second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return FromMoments(first.Mean, first.Covariance, second.Mean, second.Covariance);
    }

    /// <summary>The distance between the Gaussians fitted to two feature sets (unbiased covariances).</summary>
    /// <param name="first">Shape (N₁, F), N₁ ≥ 2.</param>
    /// <param name="second">Shape (N₂, F), N₂ ≥ 2.</param>
    /// <returns>The squared Fréchet distance, ≥ 0.</returns>
    public static double Compute(Tensor first, Tensor second)
    {
        using var a = GaussianStatistics.FromFeatures(first);
        using var b = GaussianStatistics.FromFeatures(second);
        return Compute(a, b);
    }

    /// <summary>The distance from explicit moments.</summary>
    /// <param name="mean1">μ₁, shape (F,).</param>
    /// <param name="covariance1">Σ₁, shape (F, F), symmetric PSD.</param>
    /// <param name="mean2">μ₂, shape (F,).</param>
    /// <param name="covariance2">Σ₂, shape (F, F), symmetric PSD.</param>
    /// <returns>The squared Fréchet distance, ≥ 0.</returns>
    /// <exception cref="ArgumentException">Shapes or devices disagree, a value is not finite, or a covariance is not symmetric PSD.</exception>
    public static double FromMoments(Tensor mean1, Tensor covariance1, Tensor mean2, Tensor covariance2)
    {
        using var scope = NewDisposeScope();
        using var first = new GaussianStatistics(mean1, covariance1, 1);
        using var second = new GaussianStatistics(mean2, covariance2, 1);
        if (first.Dimension != second.Dimension)
            throw new ArgumentException($"The feature dimensions differ: {first.Dimension} and {second.Dimension}.", nameof(mean2));
        Guard.SameDevice(first.Mean, nameof(mean1), second.Mean, nameof(mean2));
        var sigma1 = Symmetric(first.Covariance, nameof(covariance1));
        var sigma2 = Symmetric(second.Covariance, nameof(covariance2));

        var (lambda, v) = linalg.eigh(sigma1);
        lambda = CheckedEigenvalues(lambda, nameof(covariance1));
        var root1 = (v * lambda.sqrt().unsqueeze(0)).matmul(v.t()); // V diag(√λ) Vᵀ
        var inner = root1.matmul(sigma2).matmul(root1);
        var nu = CheckedEigenvalues(linalg.eigvalsh((inner + inner.t()) * 0.5), nameof(covariance2));

        var meanTerm = (first.Mean - second.Mean).square().sum().ToDouble();
        var traceTerm = sigma1.trace().ToDouble() + sigma2.trace().ToDouble() - 2 * nu.sqrt().sum().ToDouble();
        return Math.Max(0.0, meanTerm + traceTerm);
    }

    private static Tensor Symmetric(Tensor sigma, string name)
    {
        var scale = Math.Max(sigma.abs().max().ToDouble(), double.Epsilon);
        var asymmetry = (sigma - sigma.t()).abs().max().ToDouble();
        if (asymmetry > 1e-8 * scale)
            throw new ArgumentException($"{name} must be symmetric; max|Σ − Σᵀ| = {Guard.Format(asymmetry)} against max|Σ| = {Guard.Format(scale)}.", name);
        return (sigma + sigma.t()) * 0.5;
    }

    private static Tensor CheckedEigenvalues(Tensor eigenvalues, string name)
    {
        var largest = Math.Max(eigenvalues.max().ToDouble(), 0.0);
        var smallest = eigenvalues.min().ToDouble();
        if (smallest < -NegativeEigenvalueTolerance * Math.Max(largest, double.Epsilon) && smallest < -1e-300)
            throw new ArgumentException(
                $"{name} must be positive semi-definite; it has the eigenvalue {Guard.Format(smallest)} (largest {Guard.Format(largest)}).", name);
        return eigenvalues.clamp_min(0.0);
    }
}
