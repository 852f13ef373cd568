using MeanFlow.Fields;
using MeanFlow.Losses;
using MeanFlow.Objectives;
using MeanFlow.Paths;

namespace MeanFlow.Tests.Objectives;

/// <summary>
/// The objectives' extension points: a path and a loss weighting written by the user are the ones used, with the
/// rows' own values (the objective reorders rows internally; a misaligned time or path sample would show here).
/// </summary>
public class UserComponentTests
{
    /// <summary>A path that is not affine in (x, ε): z_t = (1 − t)·x + t·ε + t(1 − t)·x·ε (still x at 0, ε at 1).</summary>
    private sealed class BilinearPath : IProbabilityPath
    {
        public PathSample Sample(Tensor x, Tensor noise, Tensor t)
        {
            var s = t.unsqueeze(1);
            var z = (1 - s) * x + s * noise + s * (1 - s) * x * noise;
            var v = noise - x + (1 - 2 * s) * x * noise;
            return new PathSample(z, v);
        }
    }

    /// <summary>w = (1 + t)·exp(−(t − r)): depends on both times and not on the error.</summary>
    private sealed class TimeWeighting : ILossWeighting
    {
        public Tensor Weights(Tensor squaredError, Tensor r, Tensor t) => ((1 + t) * (r - t).exp()).detach();
    }

    private static (DiagonalGaussianField Field, ObjectiveBatch Batch) Case(ulong seed)
    {
        var field = new DiagonalGaussianField(new[] { 0.5, -1.0 }, new[] { 0.7, 1.2 });
        var g = new Generator(seed);
        var x = randn(new long[] { 20, 2 }, dtype: float64, generator: g);
        var noise = randn(new long[] { 20, 2 }, dtype: float64, generator: g);
        var t = rand(20, dtype: float64, generator: g) * 0.9 + 0.1;
        var r = where(rand(20, dtype: float64, generator: g) < 0.5, t, t * rand(20, dtype: float64, generator: g));   // interleaved r = t rows
        return (field, new ObjectiveBatch(x, noise, r: r, t: t));
    }

    /// <summary>z_t and v_t of <see cref="BilinearPath"/>, written out again here from the formula.</summary>
    private static (Tensor Z, Tensor V) Bilinear(ObjectiveBatch batch)
    {
        var x = batch.X;
        var e = batch.Noise;
        var t = batch.T.unsqueeze(1);
        return (x + t * (e - x) + (t - t.square()) * x * e, e - x + x * e - 2 * t * x * e);
    }

    [Fact]
    public void MeanFlowObjectiveUsesAUserPath()
    {
        using var scope = NewDisposeScope();
        var (field, batch) = Case(41);
        var output = new MeanFlowObjective(path: new BilinearPath(), weighting: new ConstantLossWeighting()).Compute(field, batch);

        var (z, v) = Bilinear(batch);
        var target = ObjectiveReference.Targets(field, z, batch.R, batch.T, null, v);
        var prediction = field.AverageVelocity(z, batch.R, batch.T);
        TestTensors.AssertClose(output.Target, target, 1e-10, "targets on the user path");
        TestTensors.AssertClose(output.Prediction, prediction, 1e-14, "predictions at the user path's z_t");
        var expected = (prediction - target).square().sum(1).mean().item<double>();
        Assert.Equal(expected, output.Loss.item<double>(), 1e-10 * expected);

        // The affine default gives another loss on the same batch: the path is not ignored.
        var linear = new MeanFlowObjective(weighting: new ConstantLossWeighting()).Compute(field, batch).Loss.item<double>();
        Assert.True(System.Math.Abs(linear - expected) > 1e-3 * expected, $"linear {linear} vs bilinear {expected}");
    }

    [Fact]
    public void FlowMatchingObjectiveUsesAUserPath()
    {
        using var scope = NewDisposeScope();
        var (field, drawn) = Case(42);
        var batch = new ObjectiveBatch(drawn.X, drawn.Noise, r: drawn.T, t: drawn.T);
        var output = new FlowMatchingObjective(path: new BilinearPath()).Compute(field, batch);

        var (z, v) = Bilinear(batch);
        var expected = (field.InstantaneousVelocity(z, batch.T) - v).square().sum(1).mean().item<double>();
        Assert.Equal(expected, output.Loss.item<double>(), 1e-12 * expected);
    }

    [Fact]
    public void ATimeDependentWeightingSeesEachRowsTimes()
    {
        using var scope = NewDisposeScope();
        var (field, batch) = Case(43);
        var output = new MeanFlowObjective(weighting: new TimeWeighting()).Compute(field, batch);

        var z = (1 - batch.T).unsqueeze(1) * batch.X + batch.T.unsqueeze(1) * batch.Noise;
        var target = ObjectiveReference.Targets(field, z, batch.R, batch.T, null, batch.Noise - batch.X);
        var squared = (field.AverageVelocity(z, batch.R, batch.T) - target).square().sum(1);
        var weights = (1 + batch.T) * (batch.R - batch.T).exp();
        var expected = (weights * squared).mean().item<double>();
        Assert.Equal(expected, output.Loss.item<double>(), 1e-10 * expected);
        Assert.Equal(weights.mean().item<double>(), output.MeanWeight.item<double>(), 1e-14);

        // Rows reordered by the objective must keep their own times: pairing the weights with other rows' errors
        // (here: reversed) changes the loss by more than the tolerance above.
        var misaligned = (weights.flip(0) * squared).mean().item<double>();
        Assert.True(System.Math.Abs(misaligned - expected) > 1e-6 * expected, $"misaligned {misaligned} vs {expected}");
    }
}
