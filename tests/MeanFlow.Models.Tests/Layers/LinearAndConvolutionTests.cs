using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class LinearAndConvolutionTests
{
    public LinearAndConvolutionTests() => random.manual_seed(1);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LinearTangentIsExact(bool bias)
    {
        using var layer = new DualLinear(6, 4, bias, dtype: ScalarType.Float64);
        var x = Normal(Seeded(1), 5, 3, 6);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void LinearMatchesTorchLinear()
    {
        using var layer = new DualLinear(6, 4, dtype: ScalarType.Float64);
        var x = Normal(Seeded(2), 5, 6);
        var expected = nn.functional.linear(x, layer.Weight, layer.Bias);
        Assert.True(Identical(layer.call(x), expected));
        Assert.Equal(new[] { "weight", "bias" }, StateDictKeys(layer));
    }

    [Theory]
    [InlineData(3, 1, 1, 1, 1)]
    [InlineData(3, 2, 0, 1, 1)]
    [InlineData(3, 1, 2, 2, 2)]
    [InlineData(2, 2, 0, 1, 1)]
    public void ConvolutionTangentIsExact(long kernel, long stride, long padding, long dilation, long groups)
    {
        using var layer = new DualConv2d(4, 6, kernel, stride, padding, dilation, groups, dtype: ScalarType.Float64);
        var x = Normal(Seeded(3), 4, 4, 8, 8);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void ConvolutionMatchesTorchConvolution()
    {
        using var layer = new DualConv2d(3, 5, 3, padding: 1, dtype: ScalarType.Float64);
        var x = Normal(Seeded(4), 2, 3, 6, 6);
        var expected = nn.functional.conv2d(x, layer.Weight, layer.Bias, padding: new long[] { 1, 1 });
        Assert.True(Identical(layer.call(x), expected));
        Assert.Equal(new[] { "weight", "bias" }, StateDictKeys(layer));
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var linear = new DualLinear(6, 4, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => linear.call(zeros(2, 5, dtype: ScalarType.Float64)));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("[2, 5]", e.Message);
        Assert.Throws<ArgumentException>(() => linear.call(zeros(6, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => linear.call(zeros(new long[] { 2, 6 }, dtype: ScalarType.Int64)));

        using var conv = new DualConv2d(3, 5, 3, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => conv.call(zeros(2, 4, 6, 6, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => conv.call(zeros(2, 3, 6, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => conv.call(zeros(2, 3, 2, 6, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DualConv2d(3, 4, 3, groups: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DualLinear(0, 4));
    }

    internal static string[] StateDictKeys(TorchSharp.torch.nn.Module module) =>
        System.Linq.Enumerable.ToArray(module.state_dict().Keys);
}
