using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class ResamplingTests
{
    [Fact]
    public void UpsampleRepeatsEachPixelAndItsTangent()
    {
        using var layer = new Upsample2x();
        var x = Normal(Seeded(1), 5, 2, 3, 4);
        var y = layer.call(x);
        Assert.True(Identical(y, x.repeat_interleave(2, 2).repeat_interleave(2, 3)));
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void DownsampleAveragesBlocksAndItsTangent()
    {
        using var layer = new Downsample2x();
        var x = Normal(Seeded(2), 5, 2, 4, 6);
        AssertClose(layer.call(x), nn.functional.avg_pool2d(x, 2), 1e-15);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var up = new Upsample2x();
        using var down = new Downsample2x();
        Assert.Throws<ArgumentException>(() => up.call(zeros(2, 3, 4)));
        Assert.Throws<ArgumentException>(() => down.call(zeros(2, 3, 5, 4)));
    }
}
