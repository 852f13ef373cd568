using MeanFlow.Evaluation;

namespace MeanFlow.Tests.Evaluation;

public class FrechetDistanceTests
{
    private static Tensor Vector(params double[] values) => tensor(values, dtype: ScalarType.Float64);

    private static Tensor Matrix(double a, double b, double c, double d) => tensor(new[] { a, b, c, d }, dtype: ScalarType.Float64).reshape(2, 2);

    private static Tensor RandomSpd(int f, Generator g)
    {
        var a = randn(new long[] { f, f }, dtype: ScalarType.Float64, generator: g);
        return a.matmul(a.t()) + eye(f, dtype: ScalarType.Float64) * 0.1;
    }

    [Fact]
    public void DiagonalCovariancesReduceToSquaredStandardDeviationDifferences()
    {
        using var scope = NewDisposeScope();
        var random = new Random(3);
        double[] Draw(double lo, double hi) => Enumerable.Range(0, 6).Select(_ => lo + (hi - lo) * random.NextDouble()).ToArray();
        double[] mu1 = Draw(-2, 2), mu2 = Draw(-2, 2), s1 = Draw(0.1, 3), s2 = Draw(0.1, 3);
        var expected = mu1.Zip(mu2, (a, b) => (a - b) * (a - b)).Sum() + s1.Zip(s2, (a, b) => (a - b) * (a - b)).Sum();
        var actual = FrechetDistance.FromMoments(Vector(mu1), diag(Vector(s1.Select(s => s * s).ToArray())),
            Vector(mu2), diag(Vector(s2.Select(s => s * s).ToArray())));
        Assert.Equal(expected, actual, 1e-12 * expected);
    }

    [Theory]
    [InlineData(2.0, 0.8, 1.0, 1.0, -0.5, 3.0)]
    [InlineData(1.0, 0.99, 1.0, 4.0, -1.9, 1.0)]
    [InlineData(0.01, 0.0, 5.0, 2.0, 1.0, 0.6)]
    public void NonCommuting2x2MatchesTwoIndependentClosedForms(double a1, double b1, double c1, double a2, double b2, double c2)
    {
        using var scope = NewDisposeScope();
        // Σ₁ = [[a1, b1], [b1, c1]], Σ₂ = [[a2, b2], [b2, c2]]; the test cases do not commute (Σ₁Σ₂ ≠ Σ₂Σ₁).
        Assert.NotEqual(b1 * a2 + c1 * b2, a1 * b2 + b1 * c2);
        double det1 = a1 * c1 - b1 * b1, det2 = a2 * c2 - b2 * b2;
        double trProduct = a1 * a2 + 2 * b1 * b2 + c1 * c2;
        // Route 1: Tr √(Σ₁^½Σ₂Σ₁^½) = √ν₁ + √ν₂ with ν the eigenvalues of Σ₁Σ₂, and (√ν₁ + √ν₂)² = tr(Σ₁Σ₂) + 2√det(Σ₁Σ₂).
        var traceRoot1 = Math.Sqrt(trProduct + 2 * Math.Sqrt(det1 * det2));
        // Route 2: explicit 2×2 square roots, √A = (A + √det A·I) / √(tr A + 2√det A), applied twice.
        var (p, q, r) = Sqrt2x2(a1, b1, c1);
        var (m11, m12, m22) = Product(p, q, r, a2, b2, c2);
        var (s11, _, s22) = Sqrt2x2(m11, m12, m22);
        var traceRoot2 = s11 + s22;
        Assert.Equal(traceRoot1, traceRoot2, 1e-12 * traceRoot1);

        var mu1 = Vector(0.3, -1.0);
        var mu2 = Vector(-0.2, 0.5);
        var expected = 0.25 + 2.25 + a1 + c1 + a2 + c2 - 2 * traceRoot1;
        var actual = FrechetDistance.FromMoments(mu1, Matrix(a1, b1, b1, c1), mu2, Matrix(a2, b2, b2, c2));
        Assert.Equal(expected, actual, 1e-10 * Math.Max(1, expected));
    }

    private static (double, double, double) Sqrt2x2(double a, double b, double c)
    {
        var s = Math.Sqrt(a * c - b * b);
        var t = Math.Sqrt(a + c + 2 * s);
        return ((a + s) / t, b / t, (c + s) / t);
    }

    // S·Σ₂·S for symmetric S = [[p, q], [q, r]].
    private static (double, double, double) Product(double p, double q, double r, double a, double b, double c)
    {
        double x11 = p * a + q * b, x12 = p * b + q * c, x21 = q * a + r * b, x22 = q * b + r * c; // S·Σ₂
        return (x11 * p + x12 * q, x11 * q + x12 * r, x21 * q + x22 * r);
    }

    [Fact]
    public void GeneralCaseAgreesWithCholeskyRouteAndIsRotationInvariantAndSymmetric()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(11);
        const int f = 7;
        var sigma1 = RandomSpd(f, g);
        var sigma2 = RandomSpd(f, g);
        var mu1 = randn(f, dtype: ScalarType.Float64, generator: g);
        var mu2 = randn(f, dtype: ScalarType.Float64, generator: g);
        // Independent route: Σ₁ = LLᵀ, and LᵀΣ₂L is similar to Σ₁Σ₂, so Tr √(Σ₁^½Σ₂Σ₁^½) = Σ √eig(LᵀΣ₂L).
        var l = linalg.cholesky(sigma1);
        var traceRoot = linalg.eigvalsh(l.t().matmul(sigma2).matmul(l)).sqrt().sum().ToDouble();
        var expected = (mu1 - mu2).square().sum().ToDouble() + sigma1.trace().ToDouble() + sigma2.trace().ToDouble() - 2 * traceRoot;

        var actual = FrechetDistance.FromMoments(mu1, sigma1, mu2, sigma2);
        Assert.Equal(expected, actual, 1e-10 * expected);
        Assert.Equal(actual, FrechetDistance.FromMoments(mu2, sigma2, mu1, sigma1), 1e-10 * expected);

        var (qMatrix, _) = linalg.qr(randn(new long[] { f, f }, dtype: ScalarType.Float64, generator: g));
        var rotated = FrechetDistance.FromMoments(qMatrix.matmul(mu1), qMatrix.matmul(sigma1).matmul(qMatrix.t()),
            qMatrix.matmul(mu2), qMatrix.matmul(sigma2).matmul(qMatrix.t()));
        Assert.Equal(actual, rotated, 1e-9 * expected);
    }

    [Fact]
    public void DistanceOfASetToItselfIsZero()
    {
        using var scope = NewDisposeScope();
        var features = randn(new long[] { 500, 10 }, generator: new Generator(4)) * 3 + 1;
        using var stats = GaussianStatistics.FromFeatures(features);
        var scale = stats.Covariance.trace().ToDouble();
        Assert.InRange(FrechetDistance.Compute(features, features), 0, 1e-10 * scale);
        Assert.InRange(FrechetDistance.Compute(stats, stats), 0, 1e-10 * scale);
    }

    [Fact]
    public void RankDeficientCovariancesAreFine()
    {
        using var scope = NewDisposeScope();
        // N = 5 < F = 12: the sample covariances are singular; eigenvalues at −1e-16 must not break the square roots.
        var g = new Generator(8);
        var a = randn(new long[] { 5, 12 }, dtype: ScalarType.Float64, generator: g);
        var b = randn(new long[] { 5, 12 }, dtype: ScalarType.Float64, generator: g);
        var fd = FrechetDistance.Compute(a, b);
        Assert.True(double.IsFinite(fd) && fd > 0, $"FD = {fd}");
        Assert.InRange(FrechetDistance.Compute(a, a), 0, 1e-9);
    }

    [Fact]
    public void BadMomentsAreRejected()
    {
        using var scope = NewDisposeScope();
        var mu = Vector(0, 0);
        var ok = Matrix(1, 0, 0, 1);
        Assert.Contains("symmetric", Assert.Throws<ArgumentException>(() => FrechetDistance.FromMoments(mu, Matrix(1, 0.5, 0, 1), mu, ok)).Message);
        Assert.Contains("positive semi-definite", Assert.Throws<ArgumentException>(() => FrechetDistance.FromMoments(mu, Matrix(1, 0, 0, -1), mu, ok)).Message);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => FrechetDistance.FromMoments(Vector(double.NaN, 0), ok, mu, ok)).Message);
        Assert.Throws<ArgumentException>(() => FrechetDistance.FromMoments(Vector(0, 0, 0), eye(3, dtype: ScalarType.Float64), mu, ok));
        Assert.Throws<ArgumentException>(() => FrechetDistance.FromMoments(mu, eye(3, dtype: ScalarType.Float64), mu, ok));
    }
}
