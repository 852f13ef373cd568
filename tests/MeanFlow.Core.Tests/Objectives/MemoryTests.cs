using MeanFlow.Fields;
using MeanFlow.Jvp;
using MeanFlow.Objectives;
using MeanFlow.Sampling;

namespace MeanFlow.Tests.Objectives;

/// <summary>Library entry points clean up after themselves: no outer dispose scope is needed to keep memory flat.</summary>
public class MemoryTests
{
    [Theory]
    [InlineData("forward")]
    [InlineData("double-backward")]
    [InlineData("finite-difference")]
    public void RepeatedObjectiveCallsLeaveTheLiveTensorCountFlat(string engine)
    {
        var field = new DiagonalGaussianField(new[] { 0.5, -0.5 }, new[] { 1.0, 0.3 });
        IJvpEngine jvp = engine switch
        {
            "forward" => new ForwardModeJvp(),
            "double-backward" => new DoubleBackwardJvp(),
            _ => new FiniteDifferenceJvp(),
        };
        var objective = new MeanFlowObjective(jvp: jvp);
        var x = randn(64, 2).to(float64);
        var generator = new Generator(1);
        void Once()
        {
            using var output = objective.Compute(field, x, generator: generator);
            using var samples = new MeanFlowSampler(2).Sample(field, x);
        }
        Once();
        Once();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 25; i++) Once();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        x.Dispose();
    }
}
