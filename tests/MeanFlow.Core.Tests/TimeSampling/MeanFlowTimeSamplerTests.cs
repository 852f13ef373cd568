using MeanFlow.TimeSampling;

namespace MeanFlow.Tests.TimeSampling;

public class MeanFlowTimeSamplerTests
{
    private const long N = 40000;

    [Theory]
    [InlineData(0.25, 40000)]
    [InlineData(0.75, 40000)]
    [InlineData(0.0, 1000)]
    [InlineData(1.0, 1000)]
    [InlineData(0.25, 30)]    // round(7.5) = 8, halves away from zero
    public void ExactlyTheLeadingRoundedFractionOfRowsHaveDistinctTimes(double fraction, long batch)
    {
        using var scope = NewDisposeScope();
        var sampler = new MeanFlowTimeSampler(distinctFraction: fraction);
        var times = sampler.Sample(batch, float64, CPU, new Generator(5));
        var k = (long)Math.Round(fraction * batch, MidpointRounding.AwayFromZero);
        Assert.Equal(k, sampler.DistinctRows(batch));
        Assert.Equal(k, times.LeadingDistinctRows);
        Assert.True((times.R <= times.T).all().item<bool>());
        Assert.True((times.R >= 0).all().item<bool>() && (times.T <= 1).all().item<bool>());
        Assert.True((times.R.narrow(0, 0, k) != times.T.narrow(0, 0, k)).all().item<bool>());
        Assert.True((times.R.narrow(0, k, batch - k) == times.T.narrow(0, k, batch - k)).all().item<bool>());
    }

    [Fact]
    public void TheEqualRowsKeepTheLargerOfTwoDrawsAsInThePaper()
    {
        // Uniform draws: on the r = t rows t = max(U1, U2), mean 2/3 and variance 1/18 (documented behaviour).
        using var scope = NewDisposeScope();
        var times = new MeanFlowTimeSampler(new UniformTimeDistribution(), distinctFraction: 0.0).Sample(N, float64, CPU, new Generator(3));
        Assert.Equal(2.0 / 3, times.T.mean().item<double>(), 5 * Math.Sqrt(1.0 / 18 / N));
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
