using FsCheck.Xunit;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using MeanFlow.Sampling;

namespace MeanFlow.Tests.Fields;

/// <summary>The identities of DESIGN §1 on analytic Gaussian fields, over random dimensions, parameters, times, states and paths.</summary>
public class MeanFlowIdentityProperties
{
    private static int Dimension(byte raw) => 1 + raw % 6;

    [Property(MaxTest = 25)]
    public void AverageVelocitySatisfiesTheMeanFlowIdentity(int seed, byte dimension, bool cosine)
    {
        using var scope = NewDisposeScope();
        var c = new GaussianCase(seed, Dimension(dimension), cosine);
        var v = c.Field.InstantaneousVelocity(c.Z, c.T);
        // u + (t − r)(v·∂_z u + ∂_t u) = v, with the JVP from the independent double-backward engine.
        var jvp = new DoubleBackwardJvp().Compute(c.Field, c.Z, c.R, c.T, null, InputTangent.AlongTrajectory(v));
        var lhs = jvp.Value + TensorRows.Broadcast(c.T - c.R, v) * jvp.Tangent;
        TestTensors.AssertClose(lhs, v, 1e-9, "MeanFlow identity residual");
    }

    [Property(MaxTest = 25)]
    public void LossOfAnalyticFieldWithMarginalVelocityIsZero(int seed, byte dimension, bool cosine)
    {
        using var scope = NewDisposeScope();
        var c = new GaussianCase(seed, Dimension(dimension), cosine);
        var v = c.Field.InstantaneousVelocity(c.Z, c.T);
        var jvp = new ForwardModeJvp().Compute(c.Field, c.Z, c.R, c.T, null, InputTangent.AlongTrajectory(v));
        var target = v - TensorRows.Broadcast(c.T - c.R, v) * jvp.Tangent;
        var loss = TensorRows.SquaredNorm(jvp.Value - target).mean().ToDouble();
        Assert.True(loss <= 1e-12, $"loss {loss:E3}");
    }

    [Property(MaxTest = 25)]
    public void OneStepSampleOfLinearPathIsExactlyMeanPlusStdTimesNoise(int seed, byte dimension)
    {
        using var scope = NewDisposeScope();
        var c = new GaussianCase(seed, Dimension(dimension), cosine: false, rows: 64);
        var noise = randn(new[] { 64L, c.Field.Dimension }, dtype: float64, generator: c.Generator);
        var sample = new MeanFlowSampler().Sample(c.Field, noise);
        var expected = tensor(c.Field.Mean, dtype: float64) + tensor(c.Field.Std, dtype: float64) * noise;
        Assert.True((sample - expected).abs().max().ToDouble() <= 1e-12 * (1 + expected.abs().max().ToDouble()));
    }

    [Property(MaxTest = 15)]
    public void KStepSamplingEqualsOneStepForTheAnalyticField(int seed, byte dimension, bool cosine, byte stepsRaw)
    {
        using var scope = NewDisposeScope();
        var c = new GaussianCase(seed, Dimension(dimension), cosine, rows: 32);
        var noise = randn(new[] { 32L, c.Field.Dimension }, dtype: float64, generator: c.Generator);
        var oneStep = new MeanFlowSampler().Sample(c.Field, noise);
        var kStep = new MeanFlowSampler(2 + stepsRaw % 7).Sample(c.Field, noise);
        TestTensors.AssertClose(kStep, oneStep, 1e-11, "k-step vs one step");
    }

    [Property(MaxTest = 15)]
    public void FlowMapIsConsistentWithIntegratingTheVelocity(int seed, byte dimension, bool cosine)
    {
        using var scope = NewDisposeScope();
        var c = new GaussianCase(seed, Dimension(dimension), cosine, rows: 8);
        // z at t = 0.02 from the closed-form flow map vs 400 RK4 steps of v. (At t = 0 the velocity of a
        // coordinate with s = 0 is singular, so the integration stops short of it.)
        const double end = 0.02;
        var exact = c.Field.FlowMap(c.Z, r: full(8, end, dtype: float64), t: ones(8, dtype: float64));
        var grid = new TimeGrid(System.Linq.Enumerable.Range(0, 401).Select(i => 1 - (1 - end) * i / 400.0));
        var integrated = new OdeSampler(new RungeKutta4Solver(), grid).Sample(c.Field, c.Z);
        TestTensors.AssertClose(integrated, exact, 1e-8, "flow map vs RK4");
    }
}
