using System;
using MeanFlow.Jvp;
using MeanFlow.Losses;
using MeanFlow.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Objectives;

/// <summary>The improved-MeanFlow identities on the analytic Gaussian pair (exact u and exact marginal v), DESIGN.md §5.</summary>
public class ImprovedMeanFlowIdentityTests
{
    public static TheoryData<string, double> Engines() => new()
    {
        { "forward", 0.0 }, { "forward", 1.0 }, { "double backward", 0.0 }, { "double backward", 1.0 },
    };

    private static IGuidedJvpEngine Engine(string name) => name == "forward" ? new ForwardModeJvp() : new DoubleBackwardJvp();

    private static ILossWeighting Weighting(double power) =>
        power == 0 ? new ConstantLossWeighting() : new AdaptiveLossWeighting(power, 0.01);

    [Theory]
    [MemberData(nameof(Engines))]
    public void ExactPairsLossesEqualTheFlowMatchingLossOfTheExactVelocity(string engine, double power)
    {
        using var scope = NewDisposeScope();
        var field = ImprovedMeanFlowCases.ExactGaussian(seed: 5);
        var batch = ImprovedMeanFlowCases.Batch(seed: 5, dimension: 3);
        var output = new ImprovedMeanFlowObjective(weighting: Weighting(power), jvp: Engine(engine)).Compute(field, batch);
        Assert.True(output.DistinctRows is > 3 and < 21, $"the batch should mix both kinds of rows; {output.DistinctRows} of 24 have r ≠ t");

        // Independent: z_t and v_t of the linear path, the exact marginal v(z_t, t), the flow-matching loss of v.
        var b = batch.Batch;
        var t = b.T.unsqueeze(1);
        var z = (1 - t) * b.X + t * b.Noise;
        var conditional = b.Noise - b.X;
        var marginal = field.Field.AverageVelocity(z, b.T, b.T);
        var squared = (marginal - conditional).square().sum(1);
        var flowMatching = (Weighting(power).Weights(squared, b.T, b.T) * squared).mean().item<double>();

        // V = u + (t − r)·du/dt along (v, 0, 1) is v(z_t, t) exactly, on every row.
        TestTensors.AssertAbsolute(output.Compound, marginal, 1e-12, "V against the marginal v");
        TestTensors.AssertAbsolute(output.Instantaneous, marginal, 1e-12, "v-head against the marginal v");
        Assert.True(Math.Abs(output.AverageLoss.item<double>() - flowMatching) <= 1e-12 * Math.Max(1, flowMatching),
            $"u-loss {output.AverageLoss.item<double>():R} vs flow matching {flowMatching:R}");
        Assert.True(Math.Abs(output.InstantaneousLoss.item<double>() - flowMatching) <= 1e-12 * Math.Max(1, flowMatching),
            $"v-loss {output.InstantaneousLoss.item<double>():R} vs flow matching {flowMatching:R}");
        Assert.True(flowMatching > 0.1, "the flow-matching loss must be far from zero for the comparison to mean something");
    }

    [Fact]
    public void TheTangentIsTheModelsVelocityNotTheConditionalVelocity()
    {
        using var scope = NewDisposeScope();
        var field = ImprovedMeanFlowCases.ExactGaussian(seed: 8);
        var batch = ImprovedMeanFlowCases.Batch(seed: 8, dimension: 3);
        var output = new ImprovedMeanFlowObjective(weighting: new ConstantLossWeighting()).Compute(field, batch);

        // The compound velocity with the original MeanFlow tangent (e − x, 0, 1), computed directly on the Gaussian.
        var b = batch.Batch;
        var distinct = b.R.ne(b.T).nonzero().squeeze(1);
        var r = b.R.index_select(0, distinct);
        var t = b.T.index_select(0, distinct);
        var x = b.X.index_select(0, distinct);
        var e = b.Noise.index_select(0, distinct);
        var z = (1 - t.unsqueeze(1)) * x + t.unsqueeze(1) * e;
        var gaussian = (MeanFlow.Fields.DiagonalGaussianField)field.Field;
        var withConditional = gaussian.AverageVelocityWithTangent(z, r, t, null, InputTangent.AlongTrajectory(e - x));
        var conditionalCompound = withConditional.Value + (t - r).unsqueeze(1) * withConditional.Tangent;
        var withMarginal = gaussian.AverageVelocityWithTangent(z, r, t, null, InputTangent.AlongTrajectory(gaussian.AverageVelocity(z, t, t)));
        var marginalCompound = withMarginal.Value + (t - r).unsqueeze(1) * withMarginal.Tangent;

        var actual = output.Compound.index_select(0, distinct);
        TestTensors.AssertAbsolute(actual, marginalCompound, 1e-12, "V with the model's v as tangent");
        var gap = (actual - conditionalCompound).abs().max().item<double>();
        Assert.True(gap > 1e-2, $"V must differ from the e − x tangent's compound velocity; the largest difference is {gap:E2}");
    }
}
