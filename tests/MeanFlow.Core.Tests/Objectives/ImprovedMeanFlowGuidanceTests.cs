using System;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Losses;
using MeanFlow.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Objectives;

/// <summary>The guided target v_g of improved MeanFlow on a conditional field with exact, class-dependent heads.</summary>
public class ImprovedMeanFlowGuidanceTests
{
    private static ImprovedMeanFlowObjective Objective(long nullClass) =>
        new(weighting: new ConstantLossWeighting(), guidance: new GuidanceConditionSampler(nullClass));

    /// <summary>v_t and the per-class marginal velocities at r = t, computed directly from the analytic field.</summary>
    private static (Tensor Conditional, Tensor ClassVelocity, Tensor NullVelocity) Parts(SingleHeadGuidedField field, GuidedObjectiveBatch batch, long nullClass)
    {
        var b = batch.Batch;
        var t = b.T.unsqueeze(1);
        var z = (1 - t) * b.X + t * b.Noise;
        return (b.Noise - b.X, field.Field.AverageVelocity(z, b.T, b.T, b.Labels),
            field.Field.AverageVelocity(z, b.T, b.T, full_like(b.Labels!, nullClass)));
    }

    [Fact]
    public void WithUnitScaleTheTargetIsTheConditionalVelocity()
    {
        using var scope = NewDisposeScope();
        var (field, nullClass) = ImprovedMeanFlowCases.PerClass(seed: 3);
        var batch = ImprovedMeanFlowCases.Batch(seed: 3, dimension: 2, rows: 32, nullClass: nullClass, omega: 1.0);
        var output = Objective(nullClass).Compute(field, batch);
        var (conditional, classVelocity, nullVelocity) = Parts(field, batch, nullClass);
        Assert.True((classVelocity - nullVelocity).abs().max().item<double>() > 0.1, "the classes must differ for the test to mean something");
        Assert.True(TestTensors.Identical(output.GuidedVelocity, conditional), "ω = 1: v_g = v_t exactly");
    }

    [Fact]
    public void GuidanceActsInsideTheIntervalIsOffOutsideAndOnDroppedRowsAndUsesTheDrawnScaleOnFlowMatchingRows()
    {
        using var scope = NewDisposeScope();
        var (field, nullClass) = ImprovedMeanFlowCases.PerClass(seed: 4);
        var batch = ImprovedMeanFlowCases.Batch(seed: 4, dimension: 2, rows: 64, nullClass: nullClass);
        // Put one flow-matching row outside a narrow interval: the interval does not apply to r = t rows.
        var b = batch.Batch;
        var g = batch.Guidance;
        var fmRow = b.R.eq(b.T).logical_and(b.DropMask!.logical_not()).nonzero()[0, 0].item<long>();
        var start = g.IntervalStart.clone();
        var end = g.IntervalEnd.clone();
        start[fmRow] = b.T[fmRow] + 0.01;
        end[fmRow] = b.T[fmRow] + 0.02;
        batch = new GuidedObjectiveBatch(b, new GuidanceConditions(g.Scale, start, end));
        var output = Objective(nullClass).Compute(field, batch);

        var (conditional, classVelocity, nullVelocity) = Parts(field, batch, nullClass);
        var flowMatching = b.R.eq(b.T);
        var inside = b.T.ge(start).logical_and(b.T.le(end));
        var active = flowMatching.logical_or(inside).logical_and(b.DropMask!.logical_not());
        var factor = (1 - g.Scale.reciprocal()).unsqueeze(1);
        var expected = where(active.unsqueeze(1), conditional + factor * (classVelocity - nullVelocity), conditional);
        TestTensors.AssertAbsolute(output.GuidedVelocity, expected, 1e-12, "v_g");

        // Each kind of row occurs, and rows without guidance have v_g = v_t exactly.
        var off = active.logical_not().nonzero().squeeze(1);
        var outsideDistinct = flowMatching.logical_not().logical_and(inside.logical_not()).logical_and(b.DropMask!.logical_not());
        Assert.True(outsideDistinct.any().item<bool>() && b.DropMask!.any().item<bool>() && active.any().item<bool>());
        Assert.True(TestTensors.Identical(output.GuidedVelocity.index_select(0, off), conditional.index_select(0, off)));
        Assert.True((output.GuidedVelocity[fmRow] - conditional[fmRow]).abs().max().item<double>() > 1e-3,
            "a flow-matching row is guided with its drawn ω even outside its (ignored) interval");
    }

    [Fact]
    public void TheTangentIsTheConditionalVelocityWithTheMaskedScaleEvenOnDroppedRows()
    {
        using var scope = NewDisposeScope();
        var (field, nullClass) = ImprovedMeanFlowCases.PerClass(seed: 6);
        var batch = ImprovedMeanFlowCases.Batch(seed: 6, dimension: 2, rows: 32, nullClass: nullClass);
        var output = Objective(nullClass).Compute(field, batch);
        // With exact per-class pairs and the class's own v as tangent, V equals the marginal v of the label the u-head
        // sees (dropped rows: ∅) only where that label is the tangent's label; on dropped rows the tangent is v_c (kept
        // label) while u is evaluated at ∅, so V there is u_∅ + (t − r)·(v_c·∂_z u_∅ + ∂_t u_∅).
        var b = batch.Batch;
        var t = b.T.unsqueeze(1);
        var z = (1 - t) * b.X + t * b.Noise;
        var seen = where(b.DropMask!, full_like(b.Labels!, nullClass), b.Labels!);
        var kept = b.DropMask!.logical_not().logical_and(b.R.ne(b.T)).nonzero().squeeze(1);
        TestTensors.AssertAbsolute(output.Compound.index_select(0, kept),
            field.Field.AverageVelocity(z, b.T, b.T, seen).index_select(0, kept), 1e-12, "V on kept rows with r ≠ t");
        var dropped = b.DropMask!.logical_and(b.R.ne(b.T)).nonzero().squeeze(1);
        Assert.True(dropped.shape[0] > 0);
        var zd = z.index_select(0, dropped);
        var rd = b.R.index_select(0, dropped);
        var td = b.T.index_select(0, dropped);
        var inner = (Tests.Fields.PerClassGaussianField)field.Field;
        var vc = inner.AverageVelocity(zd, td, td, b.Labels!.index_select(0, dropped));
        var jvp = inner.AverageVelocityWithTangent(zd, rd, td, full_like(rd, nullClass, dtype: ScalarType.Int64), MeanFlow.Jvp.InputTangent.AlongTrajectory(vc));
        TestTensors.AssertAbsolute(output.Compound.index_select(0, dropped), jvp.Value + (td - rd).unsqueeze(1) * jvp.Tangent, 1e-12,
            "V on dropped rows");
    }
}
