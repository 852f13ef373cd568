using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Jvp;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Objectives;

/// <summary>Bad input to the improved-MeanFlow objective, batch and sampler gives exceptions naming the argument.</summary>
public class ImprovedMeanFlowInputTests
{
    private static GuidedObjectiveBatch WithGuidance(Tensor scale, Tensor start, Tensor end)
    {
        var x = zeros(4, 2, dtype: float64);
        var t = full(4, 0.5, dtype: float64);
        return new GuidedObjectiveBatch(x, x, t * 0.5, t, null, null, scale, start, end);
    }

    [Fact]
    public void GuidanceValuesOutOfRangeAreRejectedWithTheRowAndValue()
    {
        using var scope = NewDisposeScope();
        var ones4 = ones(4, dtype: float64);
        var zeros4 = zeros(4, dtype: float64);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => WithGuidance(tensor(new[] { 1.0, 2, 0.5, 3 }, dtype: float64), zeros4, ones4));
        Assert.Equal("scale", e.ParamName);
        Assert.Contains("row 2", e.Message);
        Assert.Contains("0.5", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => WithGuidance(ones4, tensor(new[] { 0.1, 0.2, 0.9, 0.0 }, dtype: float64), full(4, 0.8, dtype: float64)));
        Assert.Equal("intervalStart", e.ParamName);
        Assert.Contains("row 2", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => WithGuidance(ones4, zeros4, full(4, 1.2, dtype: float64)));
        Assert.Equal("intervalEnd", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => WithGuidance(ones4, full(4, -0.1, dtype: float64), ones4));
        Assert.Equal("intervalStart", e.ParamName);
        Assert.Throws<ArgumentException>(() => WithGuidance(full(4, double.PositiveInfinity, dtype: float64), zeros4, ones4));
    }

    [Fact]
    public void GuidanceOfTheWrongShapeDtypeOrRowsIsRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => WithGuidance(ones(3, dtype: float64), zeros(3, dtype: float64), ones(3, dtype: float64)));
        Assert.Throws<ArgumentException>(() => WithGuidance(ones(4, dtype: float32), zeros(4, dtype: float32), ones(4, dtype: float32)));
        Assert.Throws<ArgumentException>(() => WithGuidance(ones(4, dtype: float64), zeros(5, dtype: float64), ones(4, dtype: float64)));
        Assert.Throws<ArgumentException>(() => WithGuidance(ones(4, 1, dtype: float64), zeros(4, 1, dtype: float64), ones(4, 1, dtype: float64)));
    }

    [Fact]
    public void LabelsNeedANullClassAndMustLieBelowIt()
    {
        using var scope = NewDisposeScope();
        var (field, nullClass) = ImprovedMeanFlowCases.PerClass(seed: 1);
        var batch = ImprovedMeanFlowCases.Batch(seed: 1, dimension: 2, rows: 8, nullClass: nullClass);
        var e = Assert.Throws<ArgumentException>(() => new ImprovedMeanFlowObjective().Compute(field, batch));
        Assert.Contains("null class", e.Message);
        Assert.Throws<ArgumentException>(() => new ImprovedMeanFlowObjective().DrawGuided(zeros(8, 2, dtype: float64), zeros(8, dtype: int64)));
        var b = batch.Batch;
        var tooLarge = new GuidedObjectiveBatch(new ObjectiveBatch(b.X, b.Noise, b.R, b.T, full_like(b.Labels!, nullClass + 1), b.DropMask), batch.Guidance);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ImprovedMeanFlowObjective(guidance: new GuidanceConditionSampler(nullClass)).Compute(field, tooLarge));
        Assert.Equal("batch.Labels", range.ParamName);
    }

    [Fact]
    public void AFieldWithoutItsInstantaneousHeadOrWithoutTwoHeadsIsRejected()
    {
        using var scope = NewDisposeScope();
        var batch = ImprovedMeanFlowCases.Batch(seed: 2, dimension: 3, rows: 6);
        var e = Assert.Throws<ArgumentException>(() => new ImprovedMeanFlowObjective().Compute(new InferenceOnly(), batch));
        Assert.Equal("field", e.ParamName);
        IObjective objective = new ImprovedMeanFlowObjective();
        var single = new Tests.Fields.GaussianCase(2, 3, cosine: false).Field;
        e = Assert.Throws<ArgumentException>(() => objective.Compute(single, zeros(6, 3, dtype: float64)));
        Assert.Contains(nameof(SingleHeadGuidedField), e.Message);
        // Wrapped, the same single-head field trains through the IObjective surface.
        using var output = objective.Compute(new SingleHeadGuidedFieldAsVelocityField(single), zeros(6, 3, dtype: float64), null, new Generator(1));
        Assert.True(double.IsFinite(output.Loss.item<double>()));
        Assert.Equal(3, output.DistinctRows);
    }

    [Fact]
    public void ForwardModeNeedsATangentCapableField()
    {
        using var scope = NewDisposeScope();
        var batch = ImprovedMeanFlowCases.Batch(seed: 2, dimension: 3, rows: 6);
        var e = Assert.Throws<ArgumentException>(() => new ImprovedMeanFlowObjective(jvp: new ForwardModeJvp()).Compute(new InferenceOnly(true), batch));
        Assert.Equal("field", e.ParamName);
    }

    [Fact]
    public void TheGuidedSamplerRejectsBadGuidance()
    {
        using var scope = NewDisposeScope();
        var field = ImprovedMeanFlowCases.ExactGaussian(seed: 3);
        var sampler = new MeanFlowSampler();
        var noise = zeros(4, 3, dtype: float64);
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => sampler.SampleGuided(field, noise, scale: 0.9)).ParamName);
        Assert.Equal("intervalStart", Assert.Throws<ArgumentOutOfRangeException>(() => sampler.SampleGuided(field, noise, intervalStart: 0.8, intervalEnd: 0.2)).ParamName);
        Assert.Equal("intervalEnd", Assert.Throws<ArgumentOutOfRangeException>(() => sampler.SampleGuided(field, noise, intervalEnd: 1.5)).ParamName);
        Assert.Throws<ArgumentException>(() => sampler.SampleGuided(field, full(4, 3, double.NaN, dtype: float64)));
        Assert.Throws<ArgumentNullException>(() => sampler.SampleGuided(null!, noise));
    }

    /// <summary>A two-head field that has dropped its v-head (or has one, but propagates no tangent).</summary>
    private sealed class InferenceOnly(bool hasHead = false) : IGuidedVelocityField
    {
        public bool HasInstantaneousHead => hasHead;

        public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance) =>
            new(zeros_like(z), zeros_like(z));
    }

    /// <summary>A single-head field wrapped for iMF and also exposed as an <see cref="IVelocityField"/> (as a module
    /// trained by the Trainer would be).</summary>
    private sealed class SingleHeadGuidedFieldAsVelocityField(IVelocityField inner) : IVelocityField, ITangentGuidedVelocityField
    {
        private readonly SingleHeadGuidedField _guided = new(inner);

        public bool HasInstantaneousHead => true;

        public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null) => inner.AverageVelocity(z, r, t, labels);

        public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance) =>
            _guided.Velocities(z, r, t, labels, guidance);

        public (TwoHeadVelocity Value, Tensor AverageTangent) VelocitiesWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels,
            GuidanceConditions guidance, InputTangent tangent) => _guided.VelocitiesWithTangent(z, r, t, labels, guidance, tangent);
    }
}
