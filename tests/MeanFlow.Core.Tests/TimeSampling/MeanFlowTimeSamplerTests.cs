using System;
using MeanFlow.TimeSampling;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.TimeSampling;

public class MeanFlowTimeSamplerTests
{
    private const long N = 40000;

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.75)]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void StartNeverExceedsEndAndDistinctFractionIsWithinBinomialTolerance(double fraction)
    {
        using var scope = NewDisposeScope();
        var times = new MeanFlowTimeSampler(distinctFraction: fraction).Sample(N, float64, CPU, new Generator(5));
        Assert.True((times.R <= times.T).all().item<bool>());
        Assert.True((times.R >= 0).all().item<bool>() && (times.T <= 1).all().item<bool>());
        var distinct = (times.R != times.T).sum().item<long>();
        var tolerance = 5 * Math.Sqrt(N * fraction * (1 - fraction));
        Assert.InRange(distinct, N * fraction - tolerance, N * fraction + tolerance);
    }

    [Fact]
    public void ExactCountGivesRoundedFractionOfDistinctRows()
    {
        using var scope = NewDisposeScope();
        var times = new MeanFlowTimeSampler(distinctFraction: 0.25, exactCount: true).Sample(30, float32, CPU, new Generator(1));
        Assert.Equal(8, (times.R != times.T).sum().item<long>());   // round(7.5) away from zero
    }

    [Fact]
    public void LogitNormalDrawsHaveTheRequestedMoments()
    {
        using var scope = NewDisposeScope();
        const double mu = -0.4, sigma = 1.3;
        var t = new LogitNormalTimeDistribution(mu, sigma).Sample(N, float64, CPU, new Generator(2));
        var logit = (t / (1 - t)).log();
        // Sample mean and standard deviation of a normal: standard errors σ/√N and σ/√(2N).
        Assert.Equal(mu, logit.mean().item<double>(), 5 * sigma / Math.Sqrt(N));
        Assert.Equal(sigma, logit.std().item<double>(), 5 * sigma / Math.Sqrt(2 * N));
    }

    [Fact]
    public void PairIsTheMaximumAndMinimumOfTwoIndependentDraws()
    {
        // For two independent uniforms, E[max] = 2/3 and E[min] = 1/3, each with variance 1/18.
        using var scope = NewDisposeScope();
        var times = new MeanFlowTimeSampler(new UniformTimeDistribution(), distinctFraction: 1.0).Sample(N, float64, CPU, new Generator(9));
        var tolerance = 5 * Math.Sqrt(1.0 / 18 / N);
        Assert.Equal(2.0 / 3, times.T.mean().item<double>(), tolerance);
        Assert.Equal(1.0 / 3, times.R.mean().item<double>(), tolerance);
    }

    [Fact]
    public void SameGeneratorSeedGivesTheSameTimes()
    {
        using var scope = NewDisposeScope();
        var sampler = new MeanFlowTimeSampler();
        var a = sampler.Sample(100, float32, CPU, new Generator(42));
        var b = sampler.Sample(100, float32, CPU, new Generator(42));
        Assert.True(TestTensors.Identical(a.T, b.T) && TestTensors.Identical(a.R, b.R));
    }
}
