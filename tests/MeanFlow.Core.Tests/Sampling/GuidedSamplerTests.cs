using System.Collections.Generic;
using MeanFlow.Fields;
using MeanFlow.Sampling;
using MeanFlow.Tests.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Sampling;

public class GuidedSamplerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TheExactPairSamplesTheGaussianExactlyAtAnyStepCount(int steps)
    {
        using var scope = NewDisposeScope();
        var field = ImprovedMeanFlowCases.ExactGaussian(seed: 9, dimension: 3);
        var gaussian = (DiagonalGaussianField)field.Field;
        var noise = randn(new long[] { 16, 3 }, dtype: float64, generator: new Generator(2));
        var samples = new MeanFlowSampler(steps).SampleGuided(field, noise, scale: 3.0, intervalStart: 0.2, intervalEnd: 0.7);
        var expected = tensor(gaussian.Mean, dtype: float64) + tensor(gaussian.Std, dtype: float64) * noise;
        TestTensors.AssertAbsolute(samples, expected, 1e-12, "ε − u(ε, 0, 1) = μ + s·ε");
    }

    [Fact]
    public void EachStepSeesTheChosenGuidanceAndTimes()
    {
        using var scope = NewDisposeScope();
        var field = new Recording();
        var noise = ones(2, 1, dtype: float64);
        var z = new MeanFlowSampler(2).SampleGuided(field, noise, labels: tensor(new long[] { 1, 0 }), scale: 2.5, intervalStart: 0.1, intervalEnd: 0.6);
        Assert.Equal(new[] { (0.5, 1.0, 2.5, 0.1, 0.6), (0.0, 0.5, 2.5, 0.1, 0.6) }, field.Calls);
        // u = ω·z: z ← z − 0.5·2.5·z twice.
        TestTensors.AssertAbsolute(z, full(2, 1, (1 - 1.25) * (1 - 1.25), dtype: float64), 1e-15);
    }

    [Fact]
    public void SamplingCallsTheUHeadAloneWhenTheFieldOffersIt()
    {
        using var scope = NewDisposeScope();
        var field = new UHeadOnly();
        var noise = ones(3, 2, dtype: float64);
        var z = new MeanFlowSampler(2).SampleGuided(field, noise, scale: 2.0);
        Assert.Equal(2, field.Calls);
        TestTensors.AssertAbsolute(z, full(3, 2, 1 - 0.5 * 0.25 - 0.5 * 0.25, dtype: float64), 1e-15);   // u = 0.25 each step
    }

    /// <summary>A field whose both-heads call fails: a sampler that evaluated the v-head would throw.</summary>
    private sealed class UHeadOnly : IGuidedVelocityField
    {
        internal int Calls { get; private set; }

        public bool HasInstantaneousHead => false;

        public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance) =>
            throw new System.InvalidOperationException("the v-head was evaluated");

        public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
        {
            Calls++;
            return full_like(z, 0.25);
        }
    }

    private sealed class Recording : IGuidedVelocityField
    {
        internal List<(double R, double T, double Scale, double Start, double End)> Calls { get; } = new();

        public bool HasInstantaneousHead => false;

        public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
        {
            Assert.NotNull(labels);
            Calls.Add((r[0].item<double>(), t[0].item<double>(), guidance.Scale[1].item<double>(),
                guidance.IntervalStart[1].item<double>(), guidance.IntervalEnd[1].item<double>()));
            return new TwoHeadVelocity(z * guidance.Scale.unsqueeze(1), zeros_like(z));
        }
    }
}
