using MeanFlow.Evaluation;

namespace MeanFlow.Tests.Evaluation;

/// <summary>FD of sample statistics converges to the analytic FD, within tolerances derived from N.</summary>
public class FrechetDistanceSamplingTests
{
    private static readonly double[] Mu1 = { 0, 1, -1 }, Mu2 = { 0.5, 1, 0 }, S1 = { 1, 2, 0.5 }, S2 = { 1.5, 1, 0.5 };

    private static Tensor Sample(int n, double[] mu, double[] s, Generator g) =>
        randn(new long[] { n, 3 }, dtype: ScalarType.Float64, generator: g) * tensor(s) + tensor(mu);

    [Theory]
    [InlineData(2000, 1)]
    [InlineData(32000, 2)]
    public void SampleDistanceConvergesToTheAnalyticOne(int n, int seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        // Analytic FD for diagonal covariances: ‖Δμ‖² + Σ(σ₁ − σ₂)² = 1.25 + 1.25.
        var analytic = Enumerable.Range(0, 3).Sum(k => Math.Pow(Mu1[k] - Mu2[k], 2) + Math.Pow(S1[k] - S2[k], 2));
        var estimate = FrechetDistance.Compute(Sample(n, Mu1, S1, g), Sample(n, Mu2, S2, g));

        // Delta method: FD̂ − FD ≈ 2Δμ·(δμ₁ − δμ₂) + Σ 2(σ₁ − σ₂)(δσ₁ − δσ₂), with Var δμ = σ²/N and Var δσ = σ²/(2N)
        // (off-diagonal covariance entries enter only at second order). Second order: E‖δμ₁ − δμ₂‖² = Σ(σ₁² + σ₂²)/N
        // plus at most 2·F(F+1)·max σ²/N from the covariance square roots.
        double linearVariance = 0, meanSecondOrder = 0;
        for (var k = 0; k < 3; k++)
        {
            var both = S1[k] * S1[k] + S2[k] * S2[k];
            linearVariance += 4 * Math.Pow(Mu1[k] - Mu2[k], 2) * both / n + 4 * Math.Pow(S1[k] - S2[k], 2) * both / (2.0 * n);
            meanSecondOrder += both / n;
        }
        var tolerance = 5 * Math.Sqrt(linearVariance) + meanSecondOrder + 2 * 3 * 4 * 4.0 / n;
        Assert.True(Math.Abs(estimate - analytic) <= tolerance,
            $"N = {n}: FD̂ = {estimate:F5}, analytic {analytic:F5}, |error| {Math.Abs(estimate - analytic):E3} > tolerance {tolerance:E3}");
    }

    [Fact]
    public void TwoSamplesOfOneDistributionAreCloseToZero()
    {
        using var scope = NewDisposeScope();
        const int n = 4000;
        var g = new Generator(9);
        var estimate = FrechetDistance.Compute(Sample(n, Mu1, S1, g), Sample(n, Mu1, S1, g));
        // E FD̂ ≈ 2Σσ²/N (means) + about F(F+1)·max σ²/(2N) (covariances); allow three times that.
        var expected = 2 * S1.Sum(s => s * s) / n + 3 * 4 * 4.0 / (2 * n);
        Assert.InRange(estimate, 0, 3 * expected);
    }
}
