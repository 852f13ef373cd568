using MeanFlow.Evaluation;

namespace MeanFlow.Tests.Evaluation;

public class EnergyDistanceTests
{
    private static Tensor Points(params double[] values) => tensor(values, dtype: ScalarType.Float64).reshape(-1, 1);

    /// <summary>The estimator written out as double loops.</summary>
    private static double BruteForce(double[][] x, double[][] y)
    {
        static double D(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (p, q) => (p - q) * (p - q)).Sum());
        double cross = 0, xx = 0, yy = 0;
        foreach (var a in x) foreach (var b in y) cross += D(a, b);
        for (var i = 0; i < x.Length; i++) for (var j = 0; j < x.Length; j++) if (i != j) xx += D(x[i], x[j]);
        for (var i = 0; i < y.Length; i++) for (var j = 0; j < y.Length; j++) if (i != j) yy += D(y[i], y[j]);
        return 2 * cross / (x.Length * y.Length) - xx / (x.Length * (x.Length - 1.0)) - yy / (y.Length * (y.Length - 1.0));
    }

    [Fact]
    public void TwoPointMassesAreTwiceTheirDistance()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(2 * 3.25, EnergyDistance.Compute(Points(Enumerable.Repeat(-1.0, 5).ToArray()), Points(Enumerable.Repeat(2.25, 7).ToArray())), 1e-12);
    }

    [Fact]
    public void ShiftBeyondTheSpanHasAClosedForm()
    {
        using var scope = NewDisposeScope();
        // Y = X + s with s > max X − min X: every |xᵢ − yⱼ| = s + xⱼ − xᵢ, whose mean is s; so ED = 2s − 2·U(X),
        // U(X) the mean of |xᵢ − xⱼ| over i ≠ j. For X = {0, 1}: ED = 2s − 2.
        Assert.Equal(4.0, EnergyDistance.Compute(Points(0, 1), Points(3, 4)), 1e-12);
        var x = new[] { 0.3, -1.2, 2.0, 0.7, 0.0, 1.1 };
        var u = x.SelectMany((a, i) => x.Where((_, j) => j != i).Select(b => Math.Abs(a - b))).Average();
        const double s = 10;
        Assert.Equal(2 * s - 2 * u, EnergyDistance.Compute(Points(x), Points(x.Select(v => v + s).ToArray())), 1e-12);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(5L)]
    [InlineData(100L)]
    [InlineData(1L << 22)]
    public void EveryChunkingAgreesWithTheDoubleLoop(long maxPairsPerChunk)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(17);
        var x = randn(new long[] { 37, 3 }, dtype: ScalarType.Float64, generator: g);
        var y = randn(new long[] { 23, 3 }, dtype: ScalarType.Float64, generator: g) + 0.4;
        var expected = BruteForce(Rows(x), Rows(y));
        Assert.Equal(expected, EnergyDistance.Compute(x, y, maxPairsPerChunk), 1e-12);
        Assert.Equal(expected, EnergyDistance.Compute(y, x, maxPairsPerChunk), 1e-12); // symmetric
    }

    private static double[][] Rows(Tensor t) => Enumerable.Range(0, (int)t.shape[0]).Select(i => t[i].data<double>().ToArray()).ToArray();

    [Fact]
    public void SameDistributionIsZeroWithinTheNullStandardDeviation()
    {
        using var scope = NewDisposeScope();
        const int n = 2000, m = 2000, d = 2;
        var g = new Generator(21);
        var x = randn(new long[] { n, d }, dtype: ScalarType.Float64, generator: g);
        var y = randn(new long[] { m, d }, dtype: ScalarType.Float64, generator: g);
        // Under one distribution the first-order (Hoeffding) terms cancel and the estimate is a sum of uncorrelated
        // degenerate pair terms: Var = E h̃²·(4/(NM) + 2/(N(N−1)) + 2/(M(M−1))), with E h̃² ≤ E‖X − X′‖² = 2d.
        var sd = Math.Sqrt(2.0 * d * (4.0 / (n * (double)m) + 2.0 / (n * (n - 1.0)) + 2.0 / (m * (m - 1.0))));
        var estimate = EnergyDistance.Compute(x, y);
        Assert.True(Math.Abs(estimate) <= 6 * sd, $"ED = {estimate:E3}, 6·sd = {6 * sd:E3}");
        var shifted = EnergyDistance.Compute(x, y + tensor(new[] { 1.0, 0.0 }, dtype: ScalarType.Float64));
        Assert.True(shifted > 6 * sd, $"ED of a unit shift = {shifted:E3}");
    }

    [Fact]
    public void GaussianShiftMatchesTheClosedFormWithinASampleSizeTolerance()
    {
        using var scope = NewDisposeScope();
        const int n = 4000;
        const double delta = 3;
        var g = new Generator(5);
        var x = randn(new long[] { n, 1 }, dtype: ScalarType.Float64, generator: g);
        var y = randn(new long[] { n, 1 }, dtype: ScalarType.Float64, generator: g) + delta;
        // X ~ N(0, 1), Y ~ N(δ, 1): X − Y ~ N(−δ, 2), E|Z| = s√(2/π)·exp(−δ²/(2s²)) + δ(1 − 2Φ(−δ/s)) with s = √2,
        // and E|X − X′| = 2/√π. ED = 2E|X − Y| − 2·(2/√π).
        var s = Math.Sqrt(2);
        var crossMean = s * Math.Sqrt(2 / Math.PI) * Math.Exp(-delta * delta / (2 * s * s)) + delta * (1 - 2 * Phi(-delta / s));
        var analytic = 2 * crossMean - 4 / Math.Sqrt(Math.PI);
        // Linear term φ(x) = 2E|x − Y| − 2E|x − X′| has |φ′| = 4|F_Y(x) − F_X(x)| ≤ 4·(2Φ(δ/2) − 1), so by the Gaussian
        // Poincaré inequality Var φ(X) ≤ that²; likewise for Y. Degenerate remainder as in the null test, E h² ≤ 2 + δ².
        var lipschitz = 4 * (2 * Phi(delta / 2) - 1);
        var linearSd = Math.Sqrt(2 * lipschitz * lipschitz / n);
        var remainderSd = Math.Sqrt((2 + delta * delta) * (4.0 / ((double)n * n) + 4.0 / (n * (n - 1.0))));
        var estimate = EnergyDistance.Compute(x, y);
        var tolerance = 6 * (linearSd + remainderSd);
        Assert.True(Math.Abs(estimate - analytic) <= tolerance,
            $"ED̂ = {estimate:F5}, analytic {analytic:F5}, |error| {Math.Abs(estimate - analytic):E3} > {tolerance:E3}");
    }

    /// <summary>Φ(z) = ½ + ∫₀^z φ(t) dt by composite Simpson (error far below 1e-12 for |z| ≤ 5).</summary>
    private static double Phi(double z)
    {
        const int steps = 20000;
        var h = z / steps;
        double sum = Density(0) + Density(z);
        for (var i = 1; i < steps; i++) sum += (i % 2 == 1 ? 4 : 2) * Density(i * h);
        return 0.5 + sum * h / 3;

        static double Density(double t) => Math.Exp(-t * t / 2) / Math.Sqrt(2 * Math.PI);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => EnergyDistance.Compute(Points(1), Points(1, 2)));
        Assert.Throws<ArgumentException>(() => EnergyDistance.Compute(zeros(3, 2), zeros(3, 3)));
        Assert.Throws<ArgumentException>(() => EnergyDistance.Compute(Points(1, double.NaN), Points(1, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => EnergyDistance.Compute(Points(1, 2), Points(1, 2), 0));
    }
}
