using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

public class ExponentialMovingAverageTests
{
    [Fact]
    public void UpdateFollowsTheRecurrenceAndCopyToWritesTheAverage()
    {
        using var scope = NewDisposeScope();
        var module = nn.Linear(3, 2, dtype: float64);
        var initial = module.weight!.detach().clone();
        using var ema = new ExponentialMovingAverage(module, decay: 0.9, warmup: false);
        var expected = initial.clone();
        for (var step = 0; step < 5; step++)
        {
            using (no_grad()) module.weight!.add_(1.0);
            ema.Update(module);
            expected = 0.9 * expected + 0.1 * module.weight!.detach();
        }
        var copy = nn.Linear(3, 2, dtype: float64);
        ema.CopyTo(copy);
        TestTensors.AssertClose(copy.weight!.detach(), expected, 1e-14, "EMA weight");
        Assert.Equal(5, ema.Updates);
    }

    [Fact]
    public void WarmupRampsTheDecay()
    {
        using var module = nn.Linear(1, 1);
        using var ema = new ExponentialMovingAverage(module, decay: 0.9999);
        Assert.Equal(0.1, ema.CurrentDecay, 15);
        ema.Updates = 990;
        Assert.Equal(991.0 / 1000, ema.CurrentDecay, 15);
        ema.Updates = 1_000_000;
        Assert.Equal(0.9999, ema.CurrentDecay, 15);
    }

    [Fact]
    public void RejectsDecayOutsideUnitInterval()
    {
        using var module = nn.Linear(1, 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialMovingAverage(module, decay: 1.0));
        Assert.Equal("decay", error.ParamName);
        Assert.Contains("1", error.Message);
    }
}
