using MeanFlow.Evaluation;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using MeanFlow.Objectives;
using MeanFlow.Sampling;

namespace MeanFlow.Tests.Docs;

/// <summary>
/// The code shown in docs/articles: each region is included there by DocFX (<c>[!code-csharp[](...#region)]</c>),
/// so every snippet in the documentation compiles, and each test checks what the article says the snippet does.
/// </summary>
public class ArticleSnippetTests
{
    [Fact]
    public void OneStepSampleOfGaussianFieldIsExact()
    {
        using var scope = NewDisposeScope();
        #region one-step-exact
        // Data N(μ, diag(s²)) under the linear path: the exact average velocity is known in closed form.
        var mean = new[] { 1.5, -2.0 };
        var std = new[] { 0.5, 2.0 };
        var field = new DiagonalGaussianField(mean, std);

        var noise = randn(new long[] { 1000, 2 }, dtype: float64, generator: new Generator(7));
        // x = ε − u(ε, 0, 1): one evaluation
        var samples = new MeanFlowSampler().Sample(field, noise);

        var exact = tensor(mean, dtype: float64) + tensor(std, dtype: float64) * noise;
        var error = (samples - exact).abs().max().item<double>();   // about 1e-15
        #endregion
        Assert.True(error <= 1e-12, $"one-step error {error}");
    }

    [Fact]
    public void ArgumentsFollowTheOrderOfTheAverageVelocity()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(4);
        var field = new DiagonalGaussianField(new[] { 1.5, -2.0 }, new[] { 0.5, 2.0 });
        var x = field.SampleData(4, generator: g);
        var noise = randn(new long[] { 4, 2 }, dtype: float64, generator: g);
        var z = randn(new long[] { 4, 2 }, dtype: float64, generator: g);
        var t = tensor(new[] { 1.0, 0.8, 0.5, 0.3 }, dtype: float64);
        var r = tensor(new[] { 0.0, 0.8, 0.1, 0.2 }, dtype: float64);
        #region argument-order
        // u(z, r, t): the state, then the start time r, then the end time t (r ≤ t), then the labels
        var u = field.AverageVelocity(z, r: r, t: t);
        // the same order everywhere: data and noise, then r, then t
        var batch = new ObjectiveBatch(x, noise, r: r, t: t);
        // a swapped pair is refused where times are validated: r > t throws, naming the row, r and t
        #endregion
        var swapped = Assert.Throws<System.ArgumentOutOfRangeException>(() => new ObjectiveBatch(x, noise, r: t, t: r));
        Assert.Contains("row 0 has r = 1 > t = 0", swapped.Message, System.StringComparison.Ordinal);
        TestTensors.AssertClose(u.narrow(0, 1, 1), field.InstantaneousVelocity(z.narrow(0, 1, 1), t.narrow(0, 1, 1)), 1e-15, "r = t row");
        Assert.Same(r, batch.R);
        Assert.Same(t, batch.T);
    }

    [Fact]
    public void MeanFlowIdentityHoldsForGaussianField()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        #region identity
        var field = new DiagonalGaussianField(new[] { 1.5, -2.0 }, new[] { 0.5, 2.0 });
        var z = randn(new long[] { 64, 2 }, dtype: float64, generator: g);
        var t = rand(64, dtype: float64, generator: g) * 0.9 + 0.1;   // t in [0.1, 1)
        var r = t * rand(64, dtype: float64, generator: g);           // r < t

        // du/dt along the trajectory: the JVP of u(z, r, t) with tangent (v, 0, 1).
        var v = field.InstantaneousVelocity(z, t);
        var jvp = new ForwardModeJvp().Compute(field, z, r: r, t: t, labels: null, InputTangent.AlongTrajectory(v));

        // The MeanFlow identity: u(z, r, t) + (t − r)·du/dt = v(z, t).
        var lhs = jvp.Value + (t - r).unsqueeze(1) * jvp.Tangent;
        var residual = (lhs - v).abs().max().item<double>();          // float64 round-off
        #endregion
        Assert.True(residual <= 1e-10, $"identity residual {residual}");
    }

    [Fact]
    public void JvpEnginesAgree()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var field = new DiagonalGaussianField(new[] { 1.5, -2.0 }, new[] { 0.5, 2.0 });
        var z = randn(new long[] { 8, 2 }, dtype: float64, generator: g);
        var t = rand(8, dtype: float64, generator: g) * 0.9 + 0.1;
        var r = t * rand(8, dtype: float64, generator: g);
        var v = field.InstantaneousVelocity(z, t);
        #region engines
        // (dz, dr, dt) = (v, 0, 1)
        var tangent = InputTangent.AlongTrajectory(v);
        IJvpEngine[] engines =
        {
            // the field propagates the tangent itself (ITangentVelocityField)
            new ForwardModeJvp(),
            // exact for any differentiable field: J·d = ∂⟨Jᵀw, d⟩/∂w
            new DoubleBackwardJvp(),
            // central differences: approximate, a float64 cross-check
            new FiniteDifferenceJvp(),
        };
        var tangents = engines.Select(e => e.Compute(field, z, r: r, t: t, labels: null, tangent).Tangent).ToArray();
        #endregion
        TestTensors.AssertClose(tangents[1], tangents[0], 1e-9, "double backward");
        TestTensors.AssertClose(tangents[2], tangents[0], 1e-6, "finite differences");
    }

    [Fact]
    public void ObjectiveOnAnExplicitBatchIsDeterministic()
    {
        using var scope = NewDisposeScope();
        var field = new DiagonalGaussianField(new[] { 1.5, -2.0 }, new[] { 0.5, 2.0 });
        var x = field.SampleData(256, generator: new Generator(1));
        #region explicit-batch
        // the paper's defaults
        var objective = new MeanFlowObjective();
        // noise ε, times (r, t): all explicit
        var batch = objective.Draw(x, generator: new Generator(2));
        using var first = objective.Compute(field, batch);
        // the same batch gives the same loss
        using var second = objective.Compute(field, batch);
        // first.Loss: scalar with graph; first.Prediction and first.Target: (B, D);
        // first.DistinctRows: how many rows had r ≠ t
        #endregion
        Assert.Equal(first.Loss.item<double>(), second.Loss.item<double>());
        Assert.Equal((batch.R != batch.T).sum().item<long>(), first.DistinctRows);
        Assert.InRange(first.DistinctRows, 1, 255);
    }

    [Fact]
    public void SamplersReachTheExactMap()
    {
        using var scope = NewDisposeScope();
        var mean = new[] { 1.5, -2.0 };
        var std = new[] { 0.5, 2.0 };
        var field = new DiagonalGaussianField(mean, std);
        var noise = randn(new long[] { 512, 2 }, dtype: float64, generator: new Generator(9));
        var exact = tensor(mean, dtype: float64) + tensor(std, dtype: float64) * noise;
        #region samplers
        // z_r = z_t − (t − r)·u(z_t, r, t), 2 NFE
        var twoStep = new MeanFlowSampler(steps: 2).Sample(field, noise);
        // integrates dz/dt = u(z, t, t)
        var ode = new OdeSampler(new RungeKutta4Solver(), steps: 20);
        // ode.FunctionEvaluations == 80
        var integrated = ode.Sample(field, noise);
        #endregion
        Assert.True((twoStep - exact).abs().max().item<double>() <= 1e-12);
        Assert.Equal(80, ode.FunctionEvaluations);
        var odeError = (integrated - exact).abs().max().item<double>();
        Assert.True(odeError <= 1e-4, $"RK4 error {odeError}");
    }

    [Fact]
    public void DistancesSeparateSampleSets()
    {
        using var scope = NewDisposeScope();
        var field = new DiagonalGaussianField(new[] { 1.5, -2.0 }, new[] { 0.5, 2.0 });
        var data = field.SampleData(2000, generator: new Generator(1));
        var samples = new MeanFlowSampler().Sample(field, randn(new long[] { 2000, 2 }, dtype: float64, generator: new Generator(2)));
        var noise = randn(new long[] { 2000, 2 }, dtype: float64, generator: new Generator(3));
        #region distances
        // Fréchet distance of Gaussian fits (FID's formula; for images, features from an IFeatureExtractor)
        var fdSamples = FrechetDistance.Compute(samples, data);
        var fdNoise = FrechetDistance.Compute(noise, data);
        // Energy distance: unbiased, zero exactly when the distributions agree
        var edSamples = EnergyDistance.Compute(samples, data);
        var edNoise = EnergyDistance.Compute(noise, data);
        #endregion
        // Exact samples: both distances are sampling noise; the prior is far from the data.
        Assert.True(fdSamples < 0.05 && fdNoise > 5, $"FD {fdSamples} vs {fdNoise}");
        Assert.True(edSamples < 0.01 && edNoise > 1, $"ED {edSamples} vs {edNoise}");
    }
}
