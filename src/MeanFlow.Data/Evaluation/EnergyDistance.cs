using System;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Evaluation;

/// <summary>
/// The energy distance between two point sets, 2·E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖ (Székely and Rizzo): zero
/// exactly when the distributions agree, and a metric on distributions with finite first moments.
/// </summary>
/// <remarks>
/// The cross term averages all N·M pairs and the within-set terms are U-statistics (pairs i ≠ j, divisors
/// N(N − 1) and M(M − 1)), so the estimate is unbiased: its expectation is the population distance (0 for
/// one distribution; it can then be slightly negative). Distances are exact differences (no ‖a‖² + ‖b‖² − 2ab
/// cancellation) in float64, computed in row chunks so that 10⁴ × 10⁴ pairs never materialise at once.
/// </remarks>
public static class EnergyDistance
{
    /// <summary>The estimate for samples of two distributions.</summary>
    /// <param name="x">Shape (N, ...), N ≥ 2, floating; rows are flattened to vectors.</param>
    /// <param name="y">Shape (M, ...), M ≥ 2, same row size and device as <paramref name="x"/>.</param>
    /// <param name="maxPairsPerChunk">Upper bound on distances held at once (memory = 8 bytes each). The default is 2^22 (32 MiB).</param>
    /// <returns>The unbiased energy distance estimate.</returns>
    /// <exception cref="ArgumentException">Bad shapes, devices or non-finite values.</exception>
    public static double Compute(Tensor x, Tensor y, long maxPairsPerChunk = 1L << 22)
    {
        Guard.Floating(x, nameof(x), minDims: 1);
        Guard.Floating(y, nameof(y), minDims: 1);
        Guard.Positive(maxPairsPerChunk, nameof(maxPairsPerChunk));
        Guard.SameDevice(x, nameof(x), y, nameof(y));
        if (x.shape[0] < 2 || y.shape[0] < 2)
            throw new ArgumentException($"x and y need at least 2 rows each for the within-set terms; got {Guard.Shape(x)} and {Guard.Shape(y)}.", nameof(x));
        using var scope = NewDisposeScope();
        var a = x.detach().reshape(x.shape[0], -1).to(ScalarType.Float64);
        var b = y.detach().reshape(y.shape[0], -1).to(ScalarType.Float64);
        if (a.shape[1] != b.shape[1])
            throw new ArgumentException($"x and y rows must have the same size; got {a.shape[1]} and {b.shape[1]} values per row.", nameof(y));
        Guard.AllFinite(a, nameof(x));
        Guard.AllFinite(b, nameof(y));

        long n = a.shape[0], m = b.shape[0];
        var cross = SumCross(a, b, maxPairsPerChunk) / ((double)n * m);
        var withinX = SumDistinctPairs(a, maxPairsPerChunk) * 2 / ((double)n * (n - 1));
        var withinY = SumDistinctPairs(b, maxPairsPerChunk) * 2 / ((double)m * (m - 1));
        return 2 * cross - withinX - withinY;
    }

    /// <summary>Σ over all (i, j) of ‖aᵢ − bⱼ‖.</summary>
    internal static double SumCross(Tensor a, Tensor b, long maxPairsPerChunk)
    {
        long n = a.shape[0], m = b.shape[0], rows = Math.Max(1, maxPairsPerChunk / m);
        var total = 0.0;
        for (long start = 0; start < n; start += rows)
        {
            using var scope = NewDisposeScope();
            var block = a.narrow(0, start, Math.Min(rows, n - start));
            total += Distances(block, b).sum().ToDouble();
        }
        return total;
    }

    /// <summary>Σ over i &lt; j of ‖aᵢ − aⱼ‖, visiting each unordered pair once (upper triangle by row blocks).</summary>
    internal static double SumDistinctPairs(Tensor a, long maxPairsPerChunk)
    {
        long n = a.shape[0], rows = Math.Max(1, maxPairsPerChunk / n);
        var total = 0.0;
        for (long start = 0; start < n; start += rows)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(rows, n - start);
            var block = a.narrow(0, start, count);
            // The square diagonal block counts each of its pairs twice (its diagonal is exactly 0).
            total += 0.5 * Distances(block, block).sum().ToDouble();
            if (start + count < n)
                total += Distances(block, a.narrow(0, start + count, n - start - count)).sum().ToDouble();
        }
        return total;
    }

    private static Tensor Distances(Tensor a, Tensor b) =>
        cdist(a, b, p: 2.0, compute_mode: compute_mode.donot_use_mm_for_euclid_dist);
}
