using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>Samplers for the <see cref="ToyDistribution"/> set, and the checkerboard's membership test.</summary>
public static class ToyDistributions
{
    /// <summary>Draws points from a toy distribution.</summary>
    /// <param name="distribution">Which distribution.</param>
    /// <param name="count">Number of points, ≥ 0.</param>
    /// <param name="generator">Random generator, or <c>null</c> for the global one.</param>
    /// <param name="dtype">Floating dtype. The default is float32.</param>
    /// <param name="device">Device; <c>null</c> for the CPU.</param>
    /// <returns>Shape (count, 2).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or the distribution unknown.</exception>
    public static Tensor Sample(ToyDistribution distribution, long count, Generator? generator = null,
        ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be ≥ 0; got {count}.");
        device ??= CPU;
        using var scope = NewDisposeScope();
        // Draw in float64 on the generator's device, then convert: the same seed gives the same points in any dtype.
        Tensor U() => RandomDraw.Uniform(new[] { count }, ScalarType.Float64, device, generator);
        Tensor N() => RandomDraw.Normal(new[] { count }, ScalarType.Float64, device, generator);
        var points = distribution switch
        {
            ToyDistribution.Checkerboard => Checkerboard(U(), U(), U()),
            ToyDistribution.TwoMoons => TwoMoons(U(), U(), N(), N()),
            ToyDistribution.EightGaussians => EightGaussians(U(), N(), N()),
            ToyDistribution.Spirals => Spirals(U(), U(), N(), N()),
            _ => throw new ArgumentOutOfRangeException(nameof(distribution), distribution, $"Unknown toy distribution {distribution}."),
        };
        return points.to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Whether each point lies on a square of the checkerboard of <see cref="ToyDistribution.Checkerboard"/>.</summary>
    /// <param name="points">Shape (N, 2).</param>
    /// <returns>Boolean, shape (N,).</returns>
    public static Tensor OnCheckerboard(Tensor points)
    {
        CheckPoints(points);
        using var scope = NewDisposeScope();
        var cell = points.floor();
        var inside = (points >= -2).logical_and(points < 2).all(1);
        var even = (cell[.., 0] + cell[.., 1]).remainder(2) == 0;
        return inside.logical_and(even).MoveToOuterDisposeScope();
    }

    /// <summary>Whether each point lies within <paramref name="radius"/> of one of the eight modes of
    /// <see cref="ToyDistribution.EightGaussians"/>, the points 2·(cos kπ/4, sin kπ/4), k = 0, …, 7 (each mode's standard
    /// deviation is 0.1, so the default radius of 3σ holds 1 − e^(−4.5) ≈ 98.9 % of the distribution's points).</summary>
    /// <param name="points">Shape (N, 2).</param>
    /// <param name="radius">The radius, finite and positive. The default is 0.3.</param>
    /// <returns>Boolean, shape (N,).</returns>
    /// <exception cref="ArgumentException"><paramref name="points"/> is not floating of shape (N, 2).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="radius"/> is not a finite positive number.</exception>
    public static Tensor NearEightGaussiansMode(Tensor points, double radius = 0.3)
    {
        CheckPoints(points);
        Guard.Positive(radius, nameof(radius));
        using var scope = NewDisposeScope();
        var angles = arange(8, dtype: ScalarType.Float64, device: points.device) * (Math.PI / 4);
        var modes = stack(new[] { angles.cos() * 2, angles.sin() * 2 }, 1);                   // (8, 2)
        var distance = cdist(points.to(ScalarType.Float64), modes).min(1).values;             // (N,)
        return (distance <= radius).MoveToOuterDisposeScope();
    }

    private static void CheckPoints(Tensor points)
    {
        Guard.Floating(points, nameof(points), minDims: 2);
        if (points.dim() != 2 || points.shape[1] != 2)
            throw new ArgumentException($"points must have shape [N, 2]; got {Guard.Shape(points)}.", nameof(points));
    }

    private static Tensor Checkerboard(Tensor u1, Tensor u2, Tensor u3)
    {
        // x in [−2, 2); y in one of the two rows whose parity matches x's column.
        var x = u1 * 4 - 2;
        var row = (u3 < 0.5).to(ScalarType.Float64) * 2 - 2;                  // −2 or 0
        var y = u2 + row + x.floor().remainder(2);
        return stack(new[] { x, y }, 1);
    }

    private static Tensor TwoMoons(Tensor side, Tensor angle, Tensor nx, Tensor ny)
    {
        var upper = side < 0.5;
        var theta = angle * Math.PI;
        var x = where(upper, theta.cos(), 1 - theta.cos());
        var y = where(upper, theta.sin(), 0.5 - theta.sin());
        // Centre on the origin and scale to about [−2, 2]².
        return stack(new[] { (x - 0.5 + 0.05 * nx) * 1.6, (y - 0.25 + 0.05 * ny) * 1.6 }, 1);
    }

    private static Tensor EightGaussians(Tensor which, Tensor nx, Tensor ny)
    {
        var theta = (which * 8).floor() * (Math.PI / 4);
        return stack(new[] { 2 * theta.cos() + 0.1 * nx, 2 * theta.sin() + 0.1 * ny }, 1);
    }

    private static Tensor Spirals(Tensor side, Tensor position, Tensor nx, Tensor ny)
    {
        var radius = position.sqrt() * 1.8;                                      // area-uniform along the arm
        var theta = position.sqrt() * (3 * Math.PI) + where(side < 0.5, zeros_like(side), full_like(side, Math.PI));
        return stack(new[] { radius * theta.cos() + 0.05 * nx, radius * theta.sin() + 0.05 * ny }, 1);
    }
}
