using MeanFlow.Paths;

namespace MeanFlow.Tests.Paths;

public class ScheduleTests
{
    public static TheoryData<ISchedule> Schedules => new() { new LinearSchedule(), new CosineSchedule() };

    [Theory]
    [MemberData(nameof(Schedules))]
    public void EndpointsConnectDataToNoise(ISchedule schedule)
    {
        using var scope = NewDisposeScope();
        var c = schedule.Evaluate(tensor(new[] { 0.0, 1.0 }, dtype: float64));
        Assert.Equal(1.0, c.A[0].item<double>(), 15);
        Assert.Equal(0.0, c.B[0].item<double>(), 15);
        Assert.Equal(0.0, c.A[1].item<double>(), 15);
        Assert.Equal(1.0, c.B[1].item<double>(), 15);
    }

    [Theory]
    [MemberData(nameof(Schedules))]
    public void DerivativesMatchAutograd(ISchedule schedule)
    {
        using var scope = NewDisposeScope();
        var t = linspace(0.01, 0.99, 23, dtype: float64).requires_grad_(true);
        var c = schedule.Evaluate(t);
        var da = torch.autograd.grad(new[] { c.A.sum() }, new[] { t }, retain_graph: true)[0];
        var db = torch.autograd.grad(new[] { c.B.sum() }, new[] { t })[0];
        TestTensors.AssertClose(c.DA.detach(), da, 1e-14, "a'");
        TestTensors.AssertClose(c.DB.detach(), db, 1e-14, "b'");
    }

    [Fact]
    public void PathSampleIsTheAffineCombinationAndItsDerivative()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(1);
        var x = randn(new long[] { 4, 3 }, dtype: float64, generator: g);
        var noise = randn(new long[] { 4, 3 }, dtype: float64, generator: g);
        var t = tensor(new[] { 0.0, 0.3, 0.8, 1.0 }, dtype: float64);
        var sample = AffinePath.Linear.Sample(x, noise, t);
        TestTensors.AssertClose(sample.Z, (1 - t).unsqueeze(1) * x + t.unsqueeze(1) * noise, 1e-15);
        TestTensors.AssertClose(sample.Velocity, noise - x, 1e-15);
    }
}
