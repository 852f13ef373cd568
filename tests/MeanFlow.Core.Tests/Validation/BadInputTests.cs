using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Jvp;
using MeanFlow.Losses;
using MeanFlow.Normalization;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using MeanFlow.TimeSampling;

namespace MeanFlow.Tests.Validation;

/// <summary>Bad input at the public surface raises a .NET exception whose message names the argument and the value.</summary>
public class BadInputTests
{
    private static T Throws<T>(Action action, string parameter, params string[] inMessage) where T : ArgumentException
    {
        var error = Assert.Throws<T>(action);
        Assert.Equal(parameter, error.ParamName);
        foreach (var text in inMessage) Assert.Contains(text, error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void WrongNoiseShape() =>
        Throws<ArgumentException>(() => new ObjectiveBatch(zeros(4, 2), zeros(4, 3), r: zeros(4), t: zeros(4)), "noise", "[4, 2]", "[4, 3]");

    [Fact]
    public void WrongTimeShape() =>
        Throws<ArgumentException>(() => new ObjectiveBatch(zeros(4, 2), zeros(4, 2), r: zeros(4), t: zeros(4, 1)), "t", "[4]", "[4, 1]");

    [Fact]
    public void StartAfterEnd() =>
        Throws<ArgumentOutOfRangeException>(() => new ObjectiveBatch(zeros(3, 2), zeros(3, 2),
            r: tensor(new[] { 0.1f, 0.7f, 0.2f }), t: tensor(new[] { 0.5f, 0.5f, 0.5f })), "r", "row 1", "r = 0.7", "t = 0.5");

    [Fact]
    public void SwappedTimesAreRejected()
    {
        // The pre-convention order (x, noise, t, r) with r < t: the swapped pair has r > t on every row with r ≠ t.
        var t = tensor(new[] { 0.9f, 0.6f });
        var r = tensor(new[] { 0.3f, 0.6f });
        Throws<ArgumentOutOfRangeException>(() => new ObjectiveBatch(zeros(2, 2), zeros(2, 2), t, r), "r", "row 0", "r = 0.9", "t = 0.3");
    }

    [Fact]
    public void FlowMapRejectsSwappedTimes()
    {
        var gaussian = new DiagonalGaussianField(new[] { 0.0 }, new[] { 1.0 });
        var mixture = new GaussianMixtureField(new[] { 1.0 }, new[,] { { 0.0 } }, new[,] { { 1.0 } });
        var z = zeros(2, 1, dtype: float64);
        var early = tensor(new[] { 0.2, 0.5 }, dtype: float64);
        var late = tensor(new[] { 0.8, 0.5 }, dtype: float64);
        Throws<ArgumentOutOfRangeException>(() => gaussian.FlowMap(z, late, early), "r", "row 0", "r = 0.8", "t = 0.2");
        Throws<ArgumentOutOfRangeException>(() => mixture.FlowMap(z, late, early), "r", "row 0", "r = 0.8", "t = 0.2");
    }

    [Fact]
    public void TimeOutsideUnitInterval() =>
        Throws<ArgumentOutOfRangeException>(() => new ObjectiveBatch(zeros(2, 2), zeros(2, 2),
            r: tensor(new[] { 0.1f, 0.2f }), t: tensor(new[] { 0.5f, 1.5f })), "t", "[0, 1]", "1.5");

    [Fact]
    public void NaNData() =>
        Throws<ArgumentException>(() => new ObjectiveBatch(tensor(new[,] { { 1f, float.NaN } }), zeros(1, 2), r: zeros(1), t: zeros(1)), "x", "NaN");

    [Fact]
    public void InfiniteNoise() =>
        Throws<ArgumentException>(() => new ObjectiveBatch(zeros(1, 2), tensor(new[,] { { 1f, float.PositiveInfinity } }), r: zeros(1), t: zeros(1)), "noise", "non-finite");

    [Fact]
    public void IntegerData() =>
        Throws<ArgumentException>(() => new ObjectiveBatch(zeros(2, 2, dtype: int64), zeros(2, 2), r: zeros(2), t: zeros(2)), "x", "Int64");

    [Fact]
    public void LabelsOfWrongDtype() =>
        Throws<ArgumentException>(() => new ObjectiveBatch(zeros(2, 2), zeros(2, 2), r: zeros(2), t: zeros(2), labels: zeros(2)), "labels", "int64");

    [Fact]
    public void LabelsBeyondTheNullClass()
    {
        var objective = new MeanFlowObjective(guidance: new ClassifierFreeGuidance(nullClass: 10));
        var batch = new ObjectiveBatch(zeros(2, 2), zeros(2, 2), r: zeros(2), t: zeros(2), labels: tensor(new long[] { 3, 12 }));
        Throws<ArgumentOutOfRangeException>(() => objective.Compute(new DiagonalGaussianField(new[] { 0.0, 0.0 }, new[] { 1.0, 1.0 }), batch), "batch.Labels", "12");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void DistinctFractionOutsideUnitInterval(double fraction) =>
        Throws<ArgumentOutOfRangeException>(() => new MeanFlowTimeSampler(distinctFraction: fraction), "distinctFraction", "[0, 1]");

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-3)]
    [InlineData(double.PositiveInfinity)]
    public void NonPositiveAdaptiveConstant(double c) =>
        Throws<ArgumentOutOfRangeException>(() => new AdaptiveLossWeighting(constant: c), "constant", "positive");

    [Fact]
    public void NegativeAdaptivePower() =>
        Throws<ArgumentOutOfRangeException>(() => new AdaptiveLossWeighting(power: -1), "power", "-1");

    [Fact]
    public void NonPositiveLogitNormalStd() =>
        Throws<ArgumentOutOfRangeException>(() => new LogitNormalTimeDistribution(std: 0), "std", "0");

    [Fact]
    public void GuidanceRanges()
    {
        Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance(10, mixing: 1.0), "mixing", "[0, 1)", "1");
        Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance(10, dropProbability: 1.2), "dropProbability", "1.2");
        Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance(10, intervalStart: 0.8, intervalEnd: 0.2), "intervalEnd", "0.2");
        Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance(-1), "nullClass", "-1");
        Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance(10, scale: 0), "scale", "0");
    }

    [Fact]
    public void NormalizerArguments()
    {
        Throws<ArgumentOutOfRangeException>(() => new MinMaxNormalizer(1, 1), "max", "min = 1, max = 1");
        Throws<ArgumentOutOfRangeException>(() => new ChannelNormalizer(new[] { 0.0 }, new[] { -2.0 }), "std[0]", "-2");
        Throws<ArgumentException>(() => new ChannelNormalizer(new[] { 0.0 }, new[] { 1.0 }).Normalize(zeros(2, 3, 4)), "x", "1 channels", "[2, 3, 4]");
    }

    [Fact]
    public void SamplerRejectsNaNNoiseAndBadLabels()
    {
        var field = new DiagonalGaussianField(new[] { 0.0 }, new[] { 1.0 });
        Throws<ArgumentException>(() => new MeanFlowSampler().Sample(field, tensor(new[,] { { float.NaN } })), "noise", "NaN");
        Throws<ArgumentException>(() => new MeanFlowSampler().Sample(field, zeros(2, 1), labels: zeros(3, dtype: int64)), "labels", "[2]", "[3]");
    }

    [Fact]
    public void JvpTangentLongerThanBatch() =>
        Throws<ArgumentException>(() => new DoubleBackwardJvp().Compute(new DiagonalGaussianField(new[] { 0.0 }, new[] { 1.0 }),
            zeros(2, 1), zeros(2), ones(2), null, InputTangent.AlongTrajectory(zeros(3, 1))), "tangent", "3 rows", "2");

    [Fact]
    public void ForwardModeNeedsATangentField()
    {
        var error = Throws<ArgumentException>(() => new ForwardModeJvp().Compute(new GaussianMixtureField(new[] { 1.0 }, new[,] { { 0.0 } }, new[,] { { 1.0 } }),
            zeros(2, 1), zeros(2), ones(2), null, InputTangent.AlongTrajectory(zeros(1, 1))), "field", "GaussianMixtureField", nameof(DoubleBackwardJvp));
        Assert.NotNull(error);
    }

    [Fact]
    public void FiniteDifferenceStepMustBePositive() =>
        Throws<ArgumentOutOfRangeException>(() => new FiniteDifferenceJvp(step: 0), "step", "0");

    [Fact]
    public void GaussianFieldShapes() =>
        Throws<ArgumentException>(() => new DiagonalGaussianField(new[] { 0.0, 1.0 }, new[] { 1.0, 1.0 }).AverageVelocity(zeros(3, 3, dtype: float64), zeros(3, dtype: float64), ones(3, dtype: float64)), "z", "[B, 2]", "[3, 3]");
}
