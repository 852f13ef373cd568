using MeanFlow.Fields;
using MeanFlow.Jvp;
using MeanFlow.Losses;
using MeanFlow.Objectives;
using MeanFlow.Paths;
using MeanFlow.Tests.Fields;

namespace MeanFlow.Tests.Objectives;

public class MeanFlowObjectiveTests
{
    private static ObjectiveBatch MixedBatch(Generator g, long rows, int dimension)
    {
        var x = randn(new[] { rows, (long)dimension }, dtype: float64, generator: g) + 1;
        var noise = randn(new[] { rows, (long)dimension }, dtype: float64, generator: g);
        var t = rand(rows, dtype: float64, generator: g) * 0.9 + 0.1;
        var r = t * rand(rows, dtype: float64, generator: g);
        r = where(rand(rows, dtype: float64, generator: g) < 0.5, t, r);   // r = t on about half the rows, interleaved
        return new ObjectiveBatch(x, noise, r: r, t: t);
    }

    [Fact]
    public void LossEqualsAnIndependentRowByRowComputation()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(21);
        var field = new DiagonalGaussianField(new[] { 0.5, -1.0, 2.0 }, new[] { 0.3, 1.1, 0.6 });
        var batch = MixedBatch(g, 24, 3);
        var objective = new MeanFlowObjective(weighting: new AdaptiveLossWeighting(0.75, 1e-3));

        var output = objective.Compute(field, batch);

        var z = (1 - batch.T).unsqueeze(1) * batch.X + batch.T.unsqueeze(1) * batch.Noise;
        var v = batch.Noise - batch.X;
        var target = ObjectiveReference.Targets(field, z, batch.R, batch.T, null, v);
        var prediction = field.AverageVelocity(z, batch.R, batch.T);
        TestTensors.AssertClose(output.Target, target, 1e-10, "targets (row order restored)");
        TestTensors.AssertClose(output.Prediction, prediction, 1e-14, "predictions");
        var expected = ObjectiveReference.Loss(prediction, target, 0.75, 1e-3);
        Assert.Equal(expected, output.Loss.item<double>(), 1e-10 * expected);
        Assert.Equal((batch.R != batch.T).sum().item<long>(), output.DistinctRows);
    }

    [Fact]
    public void EnginesGiveTheSameLossAndGradientOfAField()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(4);
        var batch = MixedBatch(g, 16, 2);
        var field = new DiagonalGaussianField(new[] { 1.0, -2.0 }, new[] { 0.5, 0.25 });
        var forward = new MeanFlowObjective(jvp: new ForwardModeJvp()).Compute(field, batch);
        var doubleBackward = new MeanFlowObjective(jvp: new DoubleBackwardJvp()).Compute(field, batch);
        Assert.Equal(forward.Loss.item<double>(), doubleBackward.Loss.item<double>(), 1e-12);
        TestTensors.AssertClose(doubleBackward.Target, forward.Target, 1e-10, "targets");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PointMassDataHasZeroLossForTheAnalyticField(bool cosine)
    {
        // With s = 0 the conditional velocity equals the marginal one, so u_tgt = u exactly by the MeanFlow identity.
        using var scope = NewDisposeScope();
        var schedule = cosine ? (ISchedule)new CosineSchedule() : new LinearSchedule();
        var mean = new[] { 1.5, -0.5, 3.0 };
        var field = new DiagonalGaussianField(mean, new double[3], schedule);
        var g = new Generator(8);
        var x = tensor(mean, dtype: float64).expand(64, 3).contiguous();
        var noise = randn(new long[] { 64, 3 }, dtype: float64, generator: g);
        var t = rand(64, dtype: float64, generator: g) * 0.95 + 0.05;
        var r = t * rand(64, dtype: float64, generator: g) * 0.9;
        var objective = new MeanFlowObjective(path: new AffinePath(schedule), weighting: new ConstantLossWeighting());
        var loss = objective.Compute(field, new ObjectiveBatch(x, noise, r: r, t: t)).Loss.item<double>();
        Assert.True(loss <= 1e-12, $"loss {loss:E3}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchMeanOfConditionalTargetConvergesToTheAverageVelocity(bool cosine)
    {
        // Fix z_t = z, r, t; draw x from its posterior given z_t = z and set ε = (z − a_t x)/b_t. The target is
        // linear in v_t, so E[u_tgt | z_t = z] = u(z, r, t). Tolerance: 5 standard errors per coordinate.
        using var scope = NewDisposeScope();
        const long n = 4000;
        const double t = 0.7, r = 0.2;
        var schedule = cosine ? (ISchedule)new CosineSchedule() : new LinearSchedule();
        double[] mu = { 1.0, -0.5 }, s = { 0.5, 1.5 };
        var field = new DiagonalGaussianField(mu, s, schedule);
        var g = new Generator(13);
        var c = schedule.Evaluate(tensor(t, dtype: float64));
        double a = c.A.item<double>(), b = c.B.item<double>();
        var z = tensor(new[] { 0.4, 0.9 }, dtype: float64);
        var muT = tensor(mu, dtype: float64);
        var sT = tensor(s, dtype: float64);
        var variance = a * a * sT.square() + b * b;
        var posteriorMean = muT + a * sT.square() / variance * (z - a * muT);
        var posteriorStd = (sT.square() * b * b / variance).sqrt();
        var x = posteriorMean + posteriorStd * randn(new[] { n, 2L }, dtype: float64, generator: g);
        var noise = (z - a * x) / b;
        var batch = new ObjectiveBatch(x, noise, r: full(n, r, dtype: float64), t: full(n, t, dtype: float64));
        var output = new MeanFlowObjective(path: new AffinePath(schedule)).Compute(field, batch);

        var mean = output.Target.mean(new long[] { 0 });
        var standardError = output.Target.std(new long[] { 0 }) / System.Math.Sqrt(n);
        var exact = field.AverageVelocity(z.unsqueeze(0), tensor(new[] { r }, dtype: float64), tensor(new[] { t }, dtype: float64)).squeeze(0);
        Assert.True(((mean - exact).abs() <= 5 * standardError).all().item<bool>(),
            $"mean {mean[0].item<double>()}, {mean[1].item<double>()} vs exact {exact[0].item<double>()}, {exact[1].item<double>()}");
    }
}
