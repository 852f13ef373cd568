using MeanFlow.Data;

namespace MeanFlow.Tests.Data;

public class ToyDistributionsTests
{
    [Fact]
    public void CheckerboardPointsAllLieOnTheBoardAndFillItsEightSquaresEvenly()
    {
        using var scope = NewDisposeScope();
        const long n = 80000;
        var points = ToyDistributions.Sample(ToyDistribution.Checkerboard, n, new Generator(1), float64);
        Assert.True(ToyDistributions.OnCheckerboard(points).all().item<bool>());
        // Each of the 8 squares holds 1/8 of the points: binomial tolerance 5·sqrt(n·p·(1 − p)).
        var cell = (points.floor() + 2).to(ScalarType.Int64);
        var index = cell[.., 0] * 4 + cell[.., 1];
        var counts = index.bincount(null, 16).data<long>().ToArray();
        var tolerance = 5 * Math.Sqrt(n / 8.0 * 7 / 8);
        var occupied = 0;
        foreach (var c in counts)
        {
            if (c == 0) continue;
            occupied++;
            Assert.InRange(c, n / 8.0 - tolerance, n / 8.0 + tolerance);
        }
        Assert.Equal(8, occupied);
    }

    [Fact]
    public void OffBoardPointsAreRecognised()
    {
        using var scope = NewDisposeScope();
        var points = tensor(new[,] { { 0.5, 0.5 }, { 0.5, 1.5 }, { -0.5, -0.5 }, { 2.5, 0.5 }, { -1.5, -1.5 } });
        Assert.Equal(new[] { true, false, true, false, true }, ToyDistributions.OnCheckerboard(points).data<bool>().ToArray());
    }

    [Theory]
    [InlineData(ToyDistribution.TwoMoons)]
    [InlineData(ToyDistribution.EightGaussians)]
    [InlineData(ToyDistribution.Spirals)]
    public void OtherDistributionsAreFiniteAndWithinTheUsualBox(ToyDistribution distribution)
    {
        using var scope = NewDisposeScope();
        var points = ToyDistributions.Sample(distribution, 5000, new Generator(2));
        Assert.Equal(new long[] { 5000, 2 }, points.shape);
        Assert.True(points.isfinite().all().item<bool>());
        Assert.True(points.abs().max().item<float>() < 3.0f);
    }

    [Fact]
    public void EightGaussiansHasItsModesOnTheCircleOfRadiusTwo()
    {
        using var scope = NewDisposeScope();
        var points = ToyDistributions.Sample(ToyDistribution.EightGaussians, 20000, new Generator(3), float64);
        // The radius of a point is 2 + O(0.1): its mean is within 0.01 of 2 (0.1²/4 bias plus noise).
        Assert.Equal(2.0, points.norm(1).mean().item<double>(), 0.01);
    }

    [Fact]
    public void SameSeedSameDrawInAnyDtype()
    {
        using var scope = NewDisposeScope();
        var a = ToyDistributions.Sample(ToyDistribution.Spirals, 100, new Generator(4), float64);
        var b = ToyDistributions.Sample(ToyDistribution.Spirals, 100, new Generator(4), float32);
        TestTensors.AssertClose(b, a, 1e-6, "float32 vs float64");
        Assert.Throws<ArgumentOutOfRangeException>(() => ToyDistributions.Sample(ToyDistribution.Checkerboard, -1));
    }
}
