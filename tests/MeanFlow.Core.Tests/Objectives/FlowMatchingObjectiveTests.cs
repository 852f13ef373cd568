using MeanFlow.Fields;
using MeanFlow.Objectives;

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

    [Fact]
    public void TrainsOnExactlyTheTimeDistributionItIsGiven()
    {
        // Uniform t: mean 1/2 (variance 1/12), P(t < 0.1) = 0.1 (variance 0.09). Before the fix the drawn t was the
        // larger of two uniforms (mean 2/3, P(t < 0.1) = 0.01), which these bounds (5 standard errors) reject.
        const long n = 40000;
        using var scope = NewDisposeScope();
        var objective = new FlowMatchingObjective(timeDistribution: new MeanFlow.TimeSampling.UniformTimeDistribution());
        var t = objective.Draw(zeros(n, 1, dtype: float64), generator: new Generator(11)).T;
        Assert.Equal(0.5, t.mean().item<double>(), 5 * Math.Sqrt(1.0 / 12 / n));
        Assert.Equal(1.0 / 12, t.var().item<double>(), 5 * Math.Sqrt(1.0 / 180 / n));   // Var of (U − 1/2)² is 1/180
        Assert.Equal(0.1, (t < 0.1).to(float64).mean().item<double>(), 5 * Math.Sqrt(0.09 / n));
    }
}
