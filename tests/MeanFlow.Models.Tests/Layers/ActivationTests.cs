using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class ActivationTests
{
    [Fact]
    public void SiluTangentIsExact()
    {
        using var layer = new DualSilu();
        var x = Normal(Seeded(1), 5, 3, 7).mul_(3);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GeluTangentIsExact(bool tanhApproximation)
    {
        using var layer = new DualGelu(tanhApproximation);
        var x = Normal(Seeded(2), 5, 3, 7).mul_(3);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void GeluTanhMatchesItsFormula()
    {
        using var layer = new DualGelu();
        var x = Normal(Seeded(3), 4, 9).mul_(3);
        var expected = 0.5 * x * (1 + (System.Math.Sqrt(2 / System.Math.PI) * (x + 0.044715 * x.pow(3))).tanh());
        AssertClose(layer.call(x), expected, 1e-14);
        using var exact = new DualGelu(false);
        AssertClose(exact.call(x), 0.5 * x * (1 + (x / System.Math.Sqrt(2)).erf()), 1e-14);
    }
}
