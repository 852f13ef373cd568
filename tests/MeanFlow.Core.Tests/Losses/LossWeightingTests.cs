using MeanFlow.Losses;

namespace MeanFlow.Tests.Losses;

public class LossWeightingTests
{
    [Theory]
    [InlineData(0.5, 1e-3)]
    [InlineData(0.25, 1e-2)]
    [InlineData(-0.5, 1e-1)]
    public void AdaptiveWeightedLossHasTheGradientOfTheRobustLoss(double gamma, double c)
    {
        // sg(w)·‖Δ‖² with w = (‖Δ‖² + c)^(−p), p = 1 − γ, has the gradient of (‖Δ‖² + c)^γ / γ.
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var delta = randn(new long[] { 6, 4 }, dtype: float64, generator: g).requires_grad_(true);
        var squared = delta.square().sum(1);
        var weighting = AdaptiveLossWeighting.FromGamma(gamma, c);
        var (r, t) = Times(6);
        var weighted = (weighting.Weights(squared, r, t) * squared).sum();
        var gradWeighted = torch.autograd.grad(new[] { weighted }, new[] { delta }, retain_graph: true)[0];
        var robust = ((squared + c).pow(gamma) / gamma).sum();
        var gradRobust = torch.autograd.grad(new[] { robust }, new[] { delta })[0];
        TestTensors.AssertClose(gradWeighted, gradRobust, 1e-13, "gradient");
        Assert.False(weighting.Weights(squared, r, t).requires_grad);
        Assert.Equal(1 - gamma, weighting.Power, 15);
    }

    [Fact]
    public void ZeroPowerAndConstantWeightingAreThePlainSquaredError()
    {
        using var scope = NewDisposeScope();
        var squared = tensor(new[] { 0.0, 1.0, 4.0 }, dtype: float64);
        var (r, t) = Times(3);
        Assert.True(TestTensors.Identical(new AdaptiveLossWeighting(0.0, 1.0).Weights(squared, r, t), ones(3, dtype: float64)));
        Assert.True(TestTensors.Identical(new ConstantLossWeighting(2.0).Weights(squared, r, t), full(3, 2.0, dtype: float64)));
    }

    /// <summary>Some rows' times, r ≤ t (the built-in weightings do not depend on them).</summary>
    private static (Tensor R, Tensor T) Times(long rows)
    {
        var t = linspace(0.2, 1.0, rows, dtype: float64);
        return (t * 0.5, t);
    }
}
