using MeanFlow.Fields;
using MeanFlow.Sampling;

namespace MeanFlow.Tests.Sampling;

public class SamplerTests
{
    private static readonly DiagonalGaussianField Field = new(new[] { 1.0, -2.0 }, new[] { 0.5, 1.5 });

    // A nonlinear field (a two-component mixture), so that no solver gains an order by cancellation.
    private static readonly GaussianMixtureField Mixture = new(new[] { 0.4, 0.6 },
        new[,] { { -1.0, 0.5 }, { 1.0, -0.5 } }, new[,] { { 0.3, 0.5 }, { 0.4, 0.2 } });

    private static TimeGrid Grid(int steps) => new(Enumerable.Range(0, steps + 1).Select(i => 1 - 0.9 * i / steps));

    private static double ErrorAt(IOdeSolver solver, int steps)
    {
        using var scope = NewDisposeScope();
        var noise = randn(new long[] { 16, 2 }, dtype: float64, generator: new Generator(1));
        // Integrate from 1 to 0.1; the reference is RK4 with 256 steps (error below 1e-11).
        var sample = new OdeSampler(solver, Grid(steps)).Sample(Mixture, noise);
        var reference = new OdeSampler(new RungeKutta4Solver(), Grid(256)).Sample(Mixture, noise);
        return (sample - reference).abs().max().item<double>();
    }

    [Theory]
    [InlineData(typeof(EulerSolver), 1)]
    [InlineData(typeof(MidpointSolver), 2)]
    [InlineData(typeof(HeunSolver), 2)]
    [InlineData(typeof(RungeKutta4Solver), 4)]
    public void SolversConvergeAtTheirOrder(Type solverType, int order)
    {
        var solver = (IOdeSolver)Activator.CreateInstance(solverType)!;
        double coarse = ErrorAt(solver, 32), fine = ErrorAt(solver, 64);
        var observed = Math.Log2(coarse / fine);
        Assert.InRange(observed, order - 0.3, order + 0.6);
    }

    [Fact]
    public void FunctionEvaluationsCountNetworkCalls()
    {
        Assert.Equal(1, new MeanFlowSampler().FunctionEvaluations);
        Assert.Equal(2, new MeanFlowSampler(2).FunctionEvaluations);
        Assert.Equal(100, new OdeSampler(new EulerSolver(), 100).FunctionEvaluations);
        Assert.Equal(40, new OdeSampler(new RungeKutta4Solver(), 10).FunctionEvaluations);
        Assert.Equal(20, new OdeSampler(new HeunSolver(), 10).FunctionEvaluations);
    }

    [Fact]
    public void MeanFlowSamplerOnCustomGridMatchesTheFlowMapOfEachStep()
    {
        using var scope = NewDisposeScope();
        var noise = randn(new long[] { 8, 2 }, dtype: float64, generator: new Generator(2));
        var sample = new MeanFlowSampler(new TimeGrid(new[] { 1.0, 0.6, 0.25, 0.0 })).Sample(Field, noise);
        var exact = Field.FlowMap(noise, r: zeros(8, dtype: float64), t: ones(8, dtype: float64));
        TestTensors.AssertClose(sample, exact, 1e-12, "three-step MeanFlow sample");
    }

    [Fact]
    public void UniformGridRunsFromOneToZero()
    {
        Assert.Equal(new[] { 1.0, 0.75, 0.5, 0.25, 0.0 }, TimeGrid.Uniform(4).Times);
        Assert.Throws<ArgumentException>(() => new TimeGrid(new[] { 0.0, 1.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeGrid(new[] { 1.5, 0.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeGrid.Uniform(0));
    }

    [Fact]
    public void SamplingBuildsNoAutogradGraph()
    {
        using var scope = NewDisposeScope();
        var noise = randn(new long[] { 4, 2 }, dtype: float64).requires_grad_(true);
        Assert.False(new MeanFlowSampler().Sample(Field, noise).requires_grad);
        Assert.False(new OdeSampler(steps: 3).Sample(Field, noise).requires_grad);
    }
}
