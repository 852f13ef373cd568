using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Evaluation;

/// <summary>
/// The sliced 2-Wasserstein distance between two point sets of equal size: SW₂ = (mean over directions θ of
/// W₂²(θ·X, θ·Y))^½, where W₂ between two one-dimensional sets of N points matches them in sorted order. A
/// transport distance: unlike the energy distance it grows linearly with a shift of the whole set (a shift s gives
/// ‖s‖·(mean (θ·ŝ)²)^½, which is ‖s‖/√D over uniformly spread directions) and notices mass moved between modes.
/// </summary>
/// <remarks>Computed in float64. The estimate of a finite sample is biased upwards: two samples of one distribution
/// score above zero (about N^(−½) for bounded data), so report it beside the value of two held-out samples.</remarks>
public static class SlicedWasserstein
{
    /// <summary>The distance over <paramref name="projections"/> random directions, uniform on the unit sphere.</summary>
    /// <param name="x">Shape (N, ...), N ≥ 1, floating; rows are flattened to vectors of size D.</param>
    /// <param name="y">Shape (N, ...), the same row count, row size and device as <paramref name="x"/>.</param>
    /// <param name="projections">Number of directions, ≥ 1. The default is 512.</param>
    /// <param name="generator">Random generator of the directions, or <c>null</c> for the global one.</param>
    /// <returns>SW₂ ≥ 0.</returns>
    /// <exception cref="ArgumentException">Bad shapes, devices or non-finite values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="projections"/> is not positive.</exception>
    public static double Compute(Tensor x, Tensor y, int projections = 512, Generator? generator = null)
    {
        Guard.Floating(x, nameof(x), minDims: 1);
        Guard.Positive(projections, nameof(projections));
        using var scope = NewDisposeScope();
        var d = x.shape.Length == 1 ? 1 : x.reshape(x.shape[0], -1).shape[1];
        var directions = randn(new long[] { projections, d }, dtype: ScalarType.Float64, device: x.device, generator: generator);
        directions = directions / directions.norm(1, keepdim: true);
        return Compute(x, y, directions);
    }

    /// <summary>The distance over the given directions.</summary>
    /// <param name="x">Shape (N, ...), N ≥ 1, floating; rows are flattened to vectors of size D.</param>
    /// <param name="y">Shape (N, ...), the same row count, row size and device as <paramref name="x"/>.</param>
    /// <param name="directions">Unit vectors θ, shape (P, D), P ≥ 1, on the device of <paramref name="x"/>.</param>
    /// <returns>SW₂ ≥ 0.</returns>
    /// <exception cref="ArgumentException">Bad shapes, devices, non-finite values or directions that are not unit vectors
    /// (|‖θ‖ − 1| &gt; 1e-6).</exception>
    public static double Compute(Tensor x, Tensor y, Tensor directions)
    {
        Guard.Floating(x, nameof(x), minDims: 1);
        Guard.Floating(y, nameof(y), minDims: 1);
        Guard.Floating(directions, nameof(directions), minDims: 2);
        Guard.SameDevice(x, nameof(x), y, nameof(y));
        Guard.SameDevice(x, nameof(x), directions, nameof(directions));
        if (x.shape[0] < 1 || x.shape[0] != y.shape[0])
            throw new ArgumentException($"x and y need the same number (≥ 1) of rows; got {Guard.Shape(x)} and {Guard.Shape(y)}.", nameof(y));
        using var scope = NewDisposeScope();
        var a = x.detach().reshape(x.shape[0], -1).to(ScalarType.Float64);
        var b = y.detach().reshape(y.shape[0], -1).to(ScalarType.Float64);
        if (a.shape[1] != b.shape[1])
            throw new ArgumentException($"x and y rows must have the same size; got {a.shape[1]} and {b.shape[1]} values per row.", nameof(y));
        var theta = directions.detach().to(ScalarType.Float64);
        if (theta.dim() != 2 || theta.shape[0] < 1 || theta.shape[1] != a.shape[1])
            throw new ArgumentException($"directions must have shape [P ≥ 1, {a.shape[1]}]; got {Guard.Shape(directions)}.", nameof(directions));
        Guard.AllFinite(a, nameof(x));
        Guard.AllFinite(b, nameof(y));
        Guard.AllFinite(theta, nameof(directions));
        if ((theta.norm(1) - 1).abs().max().item<double>() > 1e-6)
            throw new ArgumentException("directions must be unit vectors (‖θ‖ = 1 within 1e-6).", nameof(directions));
        var pa = a.matmul(theta.t()).sort(0).Values;                                    // (N, P), each column sorted
        var pb = b.matmul(theta.t()).sort(0).Values;
        return Math.Sqrt((pa - pb).square().mean().item<double>());
    }
}
