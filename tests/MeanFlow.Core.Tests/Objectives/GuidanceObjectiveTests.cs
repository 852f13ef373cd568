using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Objectives;
using MeanFlow.Tests.Fields;

namespace MeanFlow.Tests.Objectives;

public class GuidanceObjectiveTests
{
    private const int Classes = 3;   // two real classes + the null class 2

    private static (PerClassGaussianField Field, ObjectiveBatch Batch) Case(int seed, long rows = 32)
    {
        var field = PerClassGaussianField.Random(seed, Classes, 2);
        var g = new Generator((ulong)seed);
        var x = randn(new[] { rows, 2L }, dtype: float64, generator: g);
        var noise = randn(new[] { rows, 2L }, dtype: float64, generator: g);
        var t = rand(rows, dtype: float64, generator: g);
        var r = where(rand(rows, dtype: float64, generator: g) < 0.5, t, t * rand(rows, dtype: float64, generator: g));
        var labels = randint(0, Classes - 1, new[] { rows }, generator: g);
        var drop = rand(rows, dtype: float64, generator: g) < 0.25;
        return (field, new ObjectiveBatch(x, noise, r: r, t: t, labels, drop));
    }

    [Fact]
    public void UnitScaleAndZeroMixingReducesToTheUnguidedObjectiveWithDroppedLabels()
    {
        using var scope = NewDisposeScope();
        var (field, batch) = Case(1);
        var guided = new MeanFlowObjective(guidance: new ClassifierFreeGuidance(nullClass: 2, scale: 1.0, mixing: 0.0)).Compute(field, batch);
        var droppedLabels = where(batch.DropMask!, full_like(batch.Labels!, 2), batch.Labels!);
        var plain = new MeanFlowObjective().Compute(field, new ObjectiveBatch(batch.X, batch.Noise, r: batch.R, t: batch.T, droppedLabels));
        Assert.Equal(plain.Loss.item<double>(), guided.Loss.item<double>(), 1e-14);
        TestTensors.AssertClose(guided.Target, plain.Target, 1e-14, "targets");
    }

    [Fact]
    public void GuidedTargetMatchesIndependentComputationInsideTheIntervalAndIsOffOutside()
    {
        using var scope = NewDisposeScope();
        var (field, batch) = Case(2, rows: 40);
        const double omega = 1.5, kappa = 0.3, start = 0.2, end = 0.6;
        var guidance = new ClassifierFreeGuidance(nullClass: 2, scale: omega, mixing: kappa, intervalStart: start, intervalEnd: end);
        var output = new MeanFlowObjective(guidance: guidance).Compute(field, batch);

        var labels = where(batch.DropMask!, full_like(batch.Labels!, 2), batch.Labels!);
        var z = (1 - batch.T).unsqueeze(1) * batch.X + batch.T.unsqueeze(1) * batch.Noise;
        var v = batch.Noise - batch.X;
        var conditional = field.AverageVelocity(z, batch.T, batch.T, labels);
        var unconditional = field.AverageVelocity(z, batch.T, batch.T, full_like(labels, 2));
        var inside = ((batch.T >= start) & (batch.T <= end) & batch.DropMask!.logical_not()).unsqueeze(1);
        var guidedVelocity = where(inside, omega * v + kappa * conditional + (1 - omega - kappa) * unconditional, v);
        var expected = ObjectiveReference.Targets(field, z, batch.R, batch.T, labels, guidedVelocity);
        TestTensors.AssertClose(output.Target, expected, 1e-10, "guided targets");

        // Outside the interval (and on dropped rows) the target is the unguided one.
        var unguided = new MeanFlowObjective().Compute(field, new ObjectiveBatch(batch.X, batch.Noise, r: batch.R, t: batch.T, labels));
        var outside = inside.logical_not().squeeze(1).nonzero().squeeze(1);
        Assert.True(outside.shape[0] > 0 && outside.shape[0] < 40);
        TestTensors.AssertClose(output.Target.index_select(0, outside), unguided.Target.index_select(0, outside), 1e-14, "outside");
    }

    [Fact]
    public void DrawnDropMaskHasTheConfiguredRate()
    {
        using var scope = NewDisposeScope();
        const long n = 20000;
        const double p = 0.1;
        var mask = new ClassifierFreeGuidance(nullClass: 10, dropProbability: p).DrawDropMask(n, CPU, new Generator(3));
        var count = mask.sum().item<long>();
        var tolerance = 5 * System.Math.Sqrt(n * p * (1 - p));
        Assert.InRange(count, n * p - tolerance, n * p + tolerance);
    }

    [Fact]
    public void EffectiveScaleIsScaleOverOneMinusMixing()
    {
        Assert.Equal(2.0, new ClassifierFreeGuidance(10, scale: 1.0, mixing: 0.5).EffectiveScale, 1e-15);
    }
}
