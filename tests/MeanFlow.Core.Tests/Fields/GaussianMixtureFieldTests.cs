using MeanFlow.Fields;
using MeanFlow.Jvp;

namespace MeanFlow.Tests.Fields;

public class GaussianMixtureFieldTests
{
    private static GaussianMixtureField TwoComponents(int steps = 64) => new(
        new[] { 0.3, 0.7 }, new[,] { { -2.0, 1.0 }, { 1.5, -0.5 } }, new[,] { { 0.4, 0.8 }, { 0.6, 0.3 } }, integrationSteps: steps);

    [Fact]
    public void OneComponentMixtureEqualsTheGaussianField()
    {
        using var scope = NewDisposeScope();
        var mixture = new GaussianMixtureField(new[] { 1.0 }, new[,] { { 0.5, -1.0 } }, new[,] { { 0.7, 1.3 } }, integrationSteps: 200);
        var gaussian = new DiagonalGaussianField(new[] { 0.5, -1.0 }, new[] { 0.7, 1.3 });
        var g = new Generator(3);
        var z = randn(new long[] { 12, 2 }, dtype: float64, generator: g);
        var t = rand(12, dtype: float64, generator: g) * 0.9 + 0.1;
        var r = t * rand(12, dtype: float64, generator: g) * 0.8;
        TestTensors.AssertClose(mixture.Velocity(z, t), gaussian.InstantaneousVelocity(z, t), 1e-13, "velocity");
        TestTensors.AssertClose(mixture.AverageVelocity(z, r, t), gaussian.AverageVelocity(z, r, t), 1e-9, "average velocity");
    }

    [Fact]
    public void VelocityIsThePosteriorMeanOfTheConditionalVelocity()
    {
        // Independent check of the closed form: E[ε − x | z_t = z] by self-normalized importance weights over
        // data samples x_i, weight ∝ N(z; (1 − t)x_i, t²). N = 200k; tolerance from the Monte Carlo error.
        using var scope = NewDisposeScope();
        var field = TwoComponents();
        var g = new Generator(11);
        var x = field.SampleData(200_000, generator: g);
        var z = tensor(new[] { 0.3, -0.2 }, dtype: float64);
        const double t = 0.6;
        var logW = -(z - (1 - t) * x).square().sum(1) / (2 * t * t);
        var w = (logW - logW.max()).exp();
        w /= w.sum();
        var conditional = (z - (1 - t) * x) / t - x;                    // ε − x with ε = (z − (1 − t)x)/t
        var estimate = (w.unsqueeze(1) * conditional).sum(dim: 0);
        var variance = (w.unsqueeze(1) * (conditional - estimate).square()).sum(dim: 0);
        var effectiveN = 1 / w.square().sum().ToDouble();
        var exact = field.Velocity(z.unsqueeze(0), tensor(new[] { t }, dtype: float64)).squeeze(0);
        var tolerance = 5 * (variance / effectiveN).sqrt();
        Assert.True(((estimate - exact).abs() <= tolerance).all().item<bool>(),
            $"estimate {estimate.ToString(TorchSharp.TensorStringStyle.Julia)} exact {exact.ToString(TorchSharp.TensorStringStyle.Julia)} tolerance {tolerance.ToString(TorchSharp.TensorStringStyle.Julia)}");
    }

    [Fact]
    public void AverageVelocityConvergesWithIntegrationSteps()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var z = randn(new long[] { 6, 2 }, dtype: float64, generator: g);
        var t = full(6, 0.9, dtype: float64);
        var r = full(6, 0.1, dtype: float64);
        var coarse = TwoComponents(32).AverageVelocity(z, r, t);
        var fine = TwoComponents(256).AverageVelocity(z, r, t);
        TestTensors.AssertClose(coarse, fine, 1e-6, "RK4 32 vs 256 steps");
    }

    [Fact]
    public void DoubleBackwardAndFiniteDifferencesAgreeOnTheMixture()
    {
        using var scope = NewDisposeScope();
        var field = TwoComponents(16);
        var g = new Generator(9);
        var z = randn(new long[] { 5, 2 }, dtype: float64, generator: g);
        var t = rand(5, dtype: float64, generator: g) * 0.5 + 0.5;
        var r = t - 0.3;
        var tangent = InputTangent.AlongTrajectory(field.Velocity(z, t));
        var exact = new DoubleBackwardJvp().Compute(field, z, r, t, null, tangent);
        var approx = new FiniteDifferenceJvp().Compute(field, z, r, t, null, tangent);
        TestTensors.AssertClose(approx.Tangent, exact.Tangent, 1e-7, "finite differences vs double backward");
    }
}
