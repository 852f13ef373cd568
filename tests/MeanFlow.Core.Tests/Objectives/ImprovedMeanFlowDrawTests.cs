using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Losses;
using MeanFlow.Objectives;
using MeanFlow.TimeSampling;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Objectives;

public class ImprovedMeanFlowDrawTests
{
    [Theory]
    [InlineData(64L)]
    [InlineData(33L)]
    public void DrawsFollowTheOfficialDefaults(long rows)
    {
        using var scope = NewDisposeScope();
        var objective = new ImprovedMeanFlowObjective(guidance: new GuidanceConditionSampler(nullClass: 5));
        var x = zeros(rows, 2, dtype: float64);
        var batch = objective.DrawGuided(x, zeros(rows, dtype: int64), new Generator(4));
        var b = batch.Batch;
        var flowMatching = b.R.eq(b.T);
        Assert.Equal(rows / 2, flowMatching.sum().item<long>());                       // imf.py: int(B·0.5) rows with r = t
        var fm = flowMatching.nonzero().squeeze(1);
        Assert.True(batch.Guidance.IntervalStart.index_select(0, fm).eq(0).all().item<bool>());
        Assert.True(batch.Guidance.IntervalEnd.index_select(0, fm).eq(1).all().item<bool>());
        Assert.True(batch.Guidance.Scale.min().item<double>() >= 1 && batch.Guidance.Scale.max().item<double>() <= 8);
        Assert.NotNull(b.DropMask);
        Assert.Null(objective.DrawGuided(x, null, new Generator(4)).Batch.DropMask);
        var again = objective.DrawGuided(x, zeros(rows, dtype: int64), new Generator(4));
        Assert.True(TestTensors.Identical(again.Batch.Noise, b.Noise) && TestTensors.Identical(again.Guidance.Scale, batch.Guidance.Scale));

        var sampler = Assert.IsType<MeanFlowTimeSampler>(objective.TimeSampler);
        var times = Assert.IsType<LogitNormalTimeDistribution>(sampler.Distribution);
        Assert.Equal((-0.4, 1.0, 0.5), (times.Mean, times.Std, sampler.DistinctFraction));
        var weighting = Assert.IsType<AdaptiveLossWeighting>(objective.Weighting);
        Assert.Equal((1.0, 0.01), (weighting.Power, weighting.Constant));
    }

    [Fact]
    public void TheObjectiveBatchEntryPointEvaluatesWithoutGuidanceAndTheDrawingEntryPointMatchesTheExplicitOne()
    {
        using var scope = NewDisposeScope();
        var (field, nullClass) = ImprovedMeanFlowCases.PerClass(seed: 7);
        var objective = new ImprovedMeanFlowObjective(guidance: new GuidanceConditionSampler(nullClass));
        IObjective asObjective = objective;
        var batch = ImprovedMeanFlowCases.Batch(seed: 7, dimension: 2, rows: 16, nullClass: nullClass);
        var none = GuidanceConditions.None(16, float64, CPU);
        var explicitNone = objective.Compute(field, new GuidedObjectiveBatch(batch.Batch, none));
        var throughInterface = asObjective.Compute(new Adapter(field), batch.Batch);
        // (The adapter is not tangent-capable, so the interface path takes the double-backward engine: equal to round-off.)
        Assert.Equal(explicitNone.Loss.item<double>(), throughInterface.Loss.item<double>(), 1e-12);
        Assert.True(TestTensors.Identical(throughInterface.Prediction, explicitNone.Average));
        TestTensors.AssertAbsolute(throughInterface.Target, explicitNone.AverageTarget, 1e-12, "u_tgt");
        // u − u_tgt = V − v_g row by row.
        TestTensors.AssertAbsolute(explicitNone.Average - explicitNone.AverageTarget, explicitNone.Compound - explicitNone.GuidedVelocity, 1e-12);

        var x = randn(new long[] { 16, 2 }, dtype: float64, generator: new Generator(1));
        var labels = randint(0, nullClass, new long[] { 16 }, generator: new Generator(2));
        var drawn = objective.Compute(field, x, labels, new Generator(3));
        var replay = objective.Compute(field, objective.DrawGuided(x, labels, new Generator(3)));
        Assert.Equal(replay.Loss.item<double>(), drawn.Loss.item<double>());
    }

    /// <summary>A two-head field that is also an <see cref="IVelocityField"/>, as the trainer requires.</summary>
    private sealed class Adapter(SingleHeadGuidedField inner) : IVelocityField, IGuidedVelocityField
    {
        public bool HasInstantaneousHead => true;

        public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null) => inner.Field.AverageVelocity(z, r, t, labels);

        public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance) =>
            inner.Velocities(z, r, t, labels, guidance);
    }
}
