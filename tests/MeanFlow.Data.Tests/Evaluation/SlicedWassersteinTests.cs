using System;
using System.Linq;
using MeanFlow.Evaluation;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Evaluation;

public class SlicedWassersteinTests
{
    /// <summary>P directions evenly spread over the half circle: the mean of (θ·u)² over them is exactly ½ for any unit u.</summary>
    private static Tensor HalfCircle(int p)
    {
        var angles = arange(p, dtype: ScalarType.Float64) * (Math.PI / p);
        return stack(new[] { angles.cos(), angles.sin() }, 1);
    }

    [Fact]
    public void OneDimensionalSetsMatchInSortedOrder()
    {
        using var scope = NewDisposeScope();
        // {0, 1} against {5, 2}: sorted matching 0↔2, 1↔5, W₂² = (4 + 16)/2 = 10, whichever order the rows come in.
        var x = tensor(new[] { 0.0, 1.0 }).reshape(-1, 1);
        var y = tensor(new[] { 5.0, 2.0 }).reshape(-1, 1);
        var right = tensor(new[] { 1.0 }).reshape(1, 1);
        Assert.Equal(Math.Sqrt(10), SlicedWasserstein.Compute(x, y, right), 12);
        Assert.Equal(Math.Sqrt(10), SlicedWasserstein.Compute(y.flip(0), x, -right), 12);
    }

    [Fact]
    public void AShiftOfAPlanarSetIsItsLengthOverRootTwo()
    {
        using var scope = NewDisposeScope();
        // Y = X + s: every projection moves by θ·s and keeps its order, so SW₂² = mean (θ·s)² = ‖s‖²/2 over the half circle.
        var x = randn(new long[] { 300, 2 }, dtype: ScalarType.Float64, generator: new Generator(1));
        var s = tensor(new[] { 0.6, -0.8 }, dtype: ScalarType.Float64) * 3;
        foreach (var p in new[] { 2, 7, 64 })
            Assert.Equal(3 / Math.Sqrt(2), SlicedWasserstein.Compute(x, x + s, HalfCircle(p)), 10);
    }

    [Fact]
    public void ARowPermutationIsFreeAndRandomDirectionsApproachTheSphereAverage()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 500, 3 }, dtype: ScalarType.Float64, generator: new Generator(2));
        var permuted = x.index(randperm(500, generator: new Generator(3)));
        Assert.Equal(0.0, SlicedWasserstein.Compute(x, permuted, 64, new Generator(4)), 12);
        // A shift s in 3-D: SW₂² = ‖s‖²·mean (θ·ŝ)², whose expectation over the sphere is ‖s‖²/3; with 20000 directions
        // mean (θ·ŝ)² has standard deviation √(4/45/20000) ≈ 0.0021, so it lies within 0.011 (5 sd) of 1/3.
        var shifted = x + tensor(new[] { 0.0, 0.0, 2.0 }, dtype: ScalarType.Float64);
        var sw = SlicedWasserstein.Compute(x, shifted, 20000, new Generator(5));
        Assert.InRange(sw * sw / 4, 1.0 / 3 - 0.011, 1.0 / 3 + 0.011);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        using var scope = NewDisposeScope();
        var x = zeros(4, 2, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => SlicedWasserstein.Compute(x, zeros(5, 2, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => SlicedWasserstein.Compute(x, zeros(4, 3, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => SlicedWasserstein.Compute(x, x, ones(2, 2, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => SlicedWasserstein.Compute(x, x.fill_(double.NaN)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlicedWasserstein.Compute(zeros(4, 2), zeros(4, 2), 0));
    }
}
