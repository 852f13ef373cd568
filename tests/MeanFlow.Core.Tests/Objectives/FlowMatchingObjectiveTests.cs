using System;
using MeanFlow.Fields;
using MeanFlow.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Objectives;

public class FlowMatchingObjectiveTests
{
    [Fact]
    public void LossIsTheMeanSquaredVelocityError()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(6);
        var field = new DiagonalGaussianField(new[] { 0.2, 0.4 }, new[] { 1.0, 0.5 });
        var x = randn(new long[] { 32, 2 }, dtype: float64, generator: g);
        var noise = randn(new long[] { 32, 2 }, dtype: float64, generator: g);
        var t = rand(32, dtype: float64, generator: g);
        var output = new FlowMatchingObjective().Compute(field, new ObjectiveBatch(x, noise, r: t, t: t));
        var z = (1 - t).unsqueeze(1) * x + t.unsqueeze(1) * noise;
        var expected = (field.InstantaneousVelocity(z, t) - (noise - x)).square().sum(1).mean().item<double>();
        Assert.Equal(expected, output.Loss.item<double>(), 1e-12 * expected);
        Assert.Equal(0, output.DistinctRows);
    }

    [Fact]
    public void DrawsOnlyEqualTimesAndRejectsDistinctRows()
    {
        using var scope = NewDisposeScope();
        var objective = new FlowMatchingObjective();
        var batch = objective.Draw(randn(64, 2), generator: new Generator(1));
        Assert.True(TestTensors.Identical(batch.R, batch.T));
        var bad = new ObjectiveBatch(randn(2, 2), randn(2, 2), r: tensor(new[] { 0.1f, 0.5f }), t: tensor(new[] { 0.5f, 0.5f }));
        var field = new DiagonalGaussianField(new[] { 0.0, 0.0 }, new[] { 1.0, 1.0 });
        Assert.Throws<ArgumentException>(() => objective.Compute(field, bad));
    }
}
