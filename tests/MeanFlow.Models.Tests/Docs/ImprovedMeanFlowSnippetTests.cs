using System.Linq;
using MeanFlow.Guidance;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Docs;

/// <summary>The code of docs/articles/improved-meanflow.md (included by DocFX from the regions below).</summary>
public class ImprovedMeanFlowSnippetTests
{
    [Fact]
    public void TrainAndSampleAtAnyGuidance()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var g = new Generator(2);
        var data = randn(new long[] { 64, 2 }, generator: g);
        var classes = (data[.., 0] > 0).to(ScalarType.Int64);   // two classes: the sign of the first coordinate
        #region imf-train
        // Two heads (u and v) from one trunk; ω, t_min and t_max are inputs. Class 2 is the null class.
        var field = new GuidedMlpVelocityField(dimension: 2, width: 64, depth: 2, classes: 2);
        // Official defaults: logit-normal(−0.4, 1) times, r = t on half the rows, adaptive p = 1, c = 0.01,
        // ω ∈ [1, 8] with density ∝ 1/ω, t_min ~ U[0, 0.5], t_max ~ U[0.5, 1], labels dropped 10 % of the time.
        var objective = new ImprovedMeanFlowObjective(guidance: new GuidanceConditionSampler(nullClass: 2));
        var optimizer = optim.Adam(field.parameters(), 1e-3);
        for (var step = 0; step < 20; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var output = objective.Compute(field, data, classes, g);   // u-loss + v-loss
            output.Loss.backward();
            optimizer.step();
        }
        #endregion
        #region imf-sample
        // One trained model, any guidance: choose ω and the interval when sampling (1 NFE here).
        var noise = randn(new long[] { 64, 2 }, generator: g);
        var sampler = new MeanFlowSampler(steps: 1);
        var unguided = sampler.SampleGuided(field, noise, classes, scale: 1.0);
        var guided = sampler.SampleGuided(field, noise, classes, scale: 4.0, intervalStart: 0.2, intervalEnd: 0.8);
        #endregion
        Assert.Equal(new long[] { 64, 2 }, guided.shape);
        Assert.True(isfinite(guided).all().item<bool>());
        Assert.True((guided - unguided).abs().max().item<float>() > 0, "the guidance inputs must change the samples");
        Assert.True(field.parameters().All(p => p.grad is not null));
    }
}
