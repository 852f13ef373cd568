using MeanFlow.Models.Testing;
using TorchSharp.Modules;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Testing;

/// <summary>The public tangent-layer check kit passes a correct layer and fails each kind of wrong one, with a
/// message and the measured error.</summary>
public sealed class TangentCheckTests
{
    private static readonly Tensor X = Normal(Seeded(1), 5, 4);

    /// <summary>y = sin(x)·w, with a tangent that can be made wrong in the ways the traps of tangent-layers.md describe.</summary>
    private sealed class Sine : nn.Module<Dual, Dual>
    {
        private readonly Parameter weight = new(ones(4, dtype: ScalarType.Float64) * 1.5);

        public Sine() : base(nameof(Sine)) => RegisterComponents();

        public double TangentFactor { get; init; } = 1.0;
        public bool TangentWithGraph { get; init; }
        public bool PrimalUnderNoGrad { get; init; }
        public bool NoTangent { get; init; }
        public bool PrimalShifted { get; init; }

        public override Dual forward(Dual x)
        {
            Tensor y;
            using (PrimalUnderNoGrad && x.HasTangent ? no_grad() : null) y = x.Primal.sin() * weight;
            if (PrimalShifted && x.HasTangent) y = y + 1e-12;
            if (x.Tangent is null || NoTangent) return new Dual(y);
            if (TangentWithGraph) return new Dual(y, x.LeadingPrimal.cos() * weight * x.Tangent);
            using (no_grad()) return new Dual(y, x.LeadingPrimal.cos().mul_(weight).mul_(x.Tangent).mul_(TangentFactor));
        }
    }

    [Fact]
    public void ACorrectLayerPassesWithItsMeasuredErrors()
    {
        using var layer = new Sine();
        var report = TangentCheck.TangentIsExactForAllRowCounts(layer, X);
        Assert.True(report.Passed);
        Assert.Equal(5, report.Measurements.Count);
        Assert.InRange(report.MaxTangentError, 0, 1e-15);
        Assert.All(report.Measurements.Where(m => m.Tolerance == 0), m => Assert.Equal(0.0, m.Error));
        var gradients = TangentCheck.GradientsAreUnchanged(layer, X);
        Assert.Equal(2, gradients.Measurements.Count);
        Assert.Contains("parameter weight", gradients.Measurements[0].Quantity);
        Assert.Contains("input 0", gradients.Measurements[1].Quantity);
        Assert.Contains("ok", report.ToString());
    }

    [Fact]
    public void AWrongTangentFailsWithTheRelativeError()
    {
        using var layer = new Sine { TangentFactor = 1.001 };
        var e = Assert.Throws<TangentCheckException>(() => TangentCheck.TangentIsExact(xs => layer.call(xs[0]), new[] { X }, 3));
        var failed = e.Report!.Measurements.Single(m => !m.Passed);
        Assert.Contains("tangent of 3 rows", failed.Quantity);
        Assert.Equal(1e-3, failed.Error, 1e-9);
        Assert.Contains("FAIL", e.Message);
        // A tolerance above the error lets it pass, so the error really is what is compared.
        Assert.True(TangentCheck.TangentIsExact(xs => layer.call(xs[0]), new[] { X }, 3, tolerance: 2e-3).Passed);
    }

    [Fact]
    public void StructuralFaultsAreNamed()
    {
        using var none = new Sine { NoTangent = true };
        Assert.Contains("no tangent", Assert.Throws<TangentCheckException>(() => TangentCheck.TangentIsExactForAllRowCounts(none, X)).Message);
        using var graph = new Sine { TangentWithGraph = true };
        Assert.Contains("autograd graph", Assert.Throws<TangentCheckException>(() => TangentCheck.TangentIsExactForAllRowCounts(graph, X)).Message);
        using var shifted = new Sine { PrimalShifted = true };
        var e = Assert.Throws<TangentCheckException>(() => TangentCheck.TangentIsExactForAllRowCounts(shifted, X));
        Assert.Contains("primal with and without a tangent of 0 rows", e.Message);
        Assert.Equal(1e-12, e.Report!.Measurements[0].Error, 1e-13);
        var constant = Assert.Throws<TangentCheckException>(() =>
            TangentCheck.TangentIsExact(xs => Dual.Constant(ones(5, 4, dtype: ScalarType.Float64), xs[0].HasTangent ? xs[0].TangentRows : null), new[] { X }, 2));
        Assert.Contains("could not fail", constant.Message);
    }

    [Fact]
    public void APrimalComputedUnderNoGradIsCaughtByTheGradientCheck()
    {
        // The trap: the tangent check alone passes (values are right), but the weight loses its gradient.
        using var layer = new Sine { PrimalUnderNoGrad = true };
        Assert.True(TangentCheck.TangentIsExactForAllRowCounts(layer, X).Passed);
        var e = Assert.Throws<TangentCheckException>(() => TangentCheck.GradientsAreUnchanged(layer, X));
        Assert.Contains("no autograd graph", e.Message);
    }

    [Fact]
    public void DoubleBackwardJvpIsTheDirectionalDerivative()
    {
        var a = Normal(Seeded(2), 3);
        var b = Normal(Seeded(3), 3);
        var (da, db) = (Normal(Seeded(4), 3), Normal(Seeded(5), 3));
        // d(a·b + sin a) = da·b + a·db + cos(a)·da
        var jvp = TangentCheck.DoubleBackwardJvp(xs => xs[0] * xs[1] + xs[0].sin(), new[] { a, b }, new[] { da, db });
        var expected = da * b + a * db + a.cos() * da;
        Assert.True(jvp.allclose(expected, rtol: 1e-14, atol: 1e-15));
        Assert.Throws<ArgumentException>(() => TangentCheck.DoubleBackwardJvp(xs => xs[0], new[] { a }, new[] { da, db }));
        Assert.Throws<ArgumentException>(() => TangentCheck.DoubleBackwardJvp(xs => xs[0], new[] { a }, new[] { Normal(Seeded(6), 4) }));
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        using var layer = new Sine();
        Assert.Equal("partialRows", Assert.Throws<ArgumentOutOfRangeException>(() => TangentCheck.TangentIsExactForAllRowCounts(layer, X, 5)).ParamName);
        Assert.Equal("tangentRows", Assert.Throws<ArgumentOutOfRangeException>(() =>
            TangentCheck.TangentIsExact(xs => layer.call(xs[0]), new[] { X }, 6)).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() =>
            TangentCheck.TangentIsExact(xs => layer.call(xs[0]), new[] { X, Normal(Seeded(7), 4, 4) }, 2)).ParamName);
    }
}
