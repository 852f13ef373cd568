using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class ModulationTests
{
    [Fact]
    public void TokenModulationTangentIsExact()
    {
        var g = Seeded(1);
        Tensor x = Normal(g, 5, 4, 6), shift = Normal(g, 5, 1, 6), scale = Normal(g, 5, 1, 6);
        TangentIsExactForAllRowCounts(xs => Modulation.Apply(xs[0], xs[1], xs[2]), new[] { x, shift, scale });
        GradientsAreUnchanged(xs => Modulation.Apply(xs[0], xs[1], xs[2]), Array.Empty<Tensor>(), new[] { x, shift, scale });
        AssertClose(Modulation.Apply(new Dual(x), new Dual(shift), new Dual(scale)).Primal, x * (1 + scale) + shift, 1e-15);
    }

    [Fact]
    public void ImageModulationTangentIsExact()
    {
        var g = Seeded(2);
        Tensor x = Normal(g, 5, 3, 4, 4), shift = Normal(g, 5, 3, 1, 1), scale = Normal(g, 5, 3, 1, 1);
        TangentIsExactForAllRowCounts(xs => Modulation.Apply(xs[0], xs[1], xs[2]), new[] { x, shift, scale });
    }

    [Fact]
    public void BadOperandsAreRejected()
    {
        var x = new Dual(zeros(2, 4, 6), zeros(1, 4, 6));
        var good = new Dual(zeros(2, 1, 6), zeros(1, 1, 6));
        Assert.Equal("shift", Assert.Throws<ArgumentException>(() => Modulation.Apply(x, new Dual(zeros(2, 6), zeros(1, 6)), good)).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentException>(() => Modulation.Apply(x, good, new Dual(zeros(2, 1, 6)))).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentException>(() => Modulation.Apply(x, good, new Dual(zeros(2, 1, 5), zeros(1, 1, 5)))).ParamName);
        Assert.Throws<ArgumentException>(() => Modulation.Apply(x, good, new Dual(zeros(2, 1, 6), zeros(2, 1, 6))));
    }
}
