using System;
using MeanFlow.Guidance;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Guidance;

/// <summary>The training guidance draws follow their distributions: moments within 5 standard errors of the sample
/// size, fixed seeds.</summary>
public class GuidanceConditionSamplerTests
{
    private const long N = 200_000;

    private static void AssertMean(Tensor samples, double mean, double variance, string what)
    {
        var actual = samples.mean().item<double>();
        var tolerance = 5 * Math.Sqrt(variance / samples.shape[0]);
        Assert.True(Math.Abs(actual - mean) <= tolerance, $"{what}: mean {actual:R}, expected {mean:R} ± {tolerance:E2}");
    }

    [Theory]
    [InlineData(7.0, 1.0)]
    [InlineData(3.0, 2.0)]
    [InlineData(7.0, 0.0)]
    public void ScaleHasDensityProportionalToAPowerOfOmegaOnItsRange(double maxScale, double power)
    {
        using var scope = NewDisposeScope();
        var sampler = new GuidanceConditionSampler(maxScale: maxScale, scalePower: power);
        var t = ones(N, dtype: float64);
        var omega = sampler.Sample(zeros(N, dtype: float64), t, new Generator(11)).Scale;
        double top = 1 + maxScale;
        Assert.True(omega.min().item<double>() >= 1 && omega.max().item<double>() <= top, "ω must lie in [1, 1 + s_max]");
        // CDF F(ω) = (ω^(1−β) − 1)/(M^(1−β) − 1), or ln ω / ln M for β = 1; check it at three points.
        double Cdf(double w) => power == 1 ? Math.Log(w) / Math.Log(top) : (Math.Pow(w, 1 - power) - 1) / (Math.Pow(top, 1 - power) - 1);
        foreach (var w in new[] { 1.5, 2.0, top * 0.75 })
        {
            var p = Cdf(w);
            AssertMean(omega.le(w).to(float64), p, p * (1 - p), $"P(ω ≤ {w})");
        }
        if (power == 1)
        {
            // The official draw: ln ω = U·ln(1 + s_max), uniform on [0, ln(1 + s_max)].
            var l = Math.Log(top);
            AssertMean(omega.log(), l / 2, l * l / 12, "ln ω");
        }
    }

    [Fact]
    public void IntervalsAreUniformOnTheirRangesAndFlowMatchingRowsGetTheWholeInterval()
    {
        using var scope = NewDisposeScope();
        var sampler = new GuidanceConditionSampler(intervalStartMax: 0.4, intervalEndMin: 0.7);
        var g = new Generator(12);
        var t = rand(N, dtype: float64, generator: g);
        var flowMatching = rand(N, dtype: float64, generator: g) < 0.3;
        var r = where(flowMatching, t, t * 0.5);
        var c = sampler.Sample(r, t, new Generator(13));
        var distinct = flowMatching.logical_not().nonzero().squeeze(1);
        var fm = flowMatching.nonzero().squeeze(1);
        Assert.True(c.IntervalStart.index_select(0, fm).eq(0).all().item<bool>() && c.IntervalEnd.index_select(0, fm).eq(1).all().item<bool>(),
            "flow-matching rows get [0, 1]");
        var start = c.IntervalStart.index_select(0, distinct);
        var end = c.IntervalEnd.index_select(0, distinct);
        Assert.True(start.min().item<double>() >= 0 && start.max().item<double>() <= 0.4);
        Assert.True(end.min().item<double>() >= 0.7 && end.max().item<double>() <= 1);
        AssertMean(start, 0.2, 0.4 * 0.4 / 12, "t_min");
        AssertMean(end, 0.85, 0.3 * 0.3 / 12, "t_max");
        AssertMean(start.square(), 0.4 * 0.4 / 3, 0.4 * 0.4 * 0.4 * 0.4 * (1.0 / 5 - 1.0 / 9), "t_min²");
    }

    [Fact]
    public void DropMaskHasTheDropProbabilityAndDrawsAreReproducible()
    {
        using var scope = NewDisposeScope();
        var sampler = new GuidanceConditionSampler(nullClass: 10, dropProbability: 0.1);
        var mask = sampler.DrawDropMask(N, CPU, new Generator(14));
        AssertMean(mask.to(float64), 0.1, 0.1 * 0.9, "drop fraction");
        Assert.True(TestTensors.Identical(mask, sampler.DrawDropMask(N, CPU, new Generator(14))));
        var t = rand(100, dtype: float64, generator: new Generator(1));
        Assert.True(TestTensors.Identical(sampler.Sample(t * 0.5, t, new Generator(3)).Scale, sampler.Sample(t * 0.5, t, new Generator(3)).Scale));
    }

    [Fact]
    public void DefaultsAreTheOfficialOnes()
    {
        var s = new GuidanceConditionSampler();
        Assert.Equal((7.0, 1.0, 0.5, 0.5, 0.1), (s.MaxScale, s.ScalePower, s.IntervalStartMax, s.IntervalEndMin, s.DropProbability));
        Assert.Null(s.NullClass);
    }

    [Theory]
    [InlineData(-1L, 7.0, 1.0, 0.5, 0.5, 0.1, "nullClass")]
    [InlineData(null, -1.0, 1.0, 0.5, 0.5, 0.1, "maxScale")]
    [InlineData(null, double.NaN, 1.0, 0.5, 0.5, 0.1, "maxScale")]
    [InlineData(null, 7.0, -0.5, 0.5, 0.5, 0.1, "scalePower")]
    [InlineData(null, 7.0, 1.0, 1.5, 0.5, 0.1, "intervalStartMax")]
    [InlineData(null, 7.0, 1.0, 0.6, 0.4, 0.1, "intervalEndMin")]
    [InlineData(null, 7.0, 1.0, 0.5, 0.5, 1.5, "dropProbability")]
    public void BadSettingsAreRejectedByName(long? nullClass, double maxScale, double power, double startMax, double endMin, double drop, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GuidanceConditionSampler(nullClass, maxScale, power, startMax, endMin, drop));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void TimesMustBeMatchingVectors()
    {
        using var scope = NewDisposeScope();
        var sampler = new GuidanceConditionSampler();
        Assert.Throws<ArgumentException>(() => sampler.Sample(zeros(3, dtype: float64), zeros(4, dtype: float64)));
        Assert.Throws<ArgumentException>(() => sampler.Sample(zeros(3, dtype: float32), zeros(3, dtype: float64)));
        Assert.Throws<ArgumentException>(() => sampler.Sample(zeros(3, 1, dtype: float64), zeros(3, 1, dtype: float64)));
    }
}
