using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class PatchTests
{
    public PatchTests() => random.manual_seed(5);

    [Fact]
    public void PatchEmbedTangentIsExact()
    {
        using var layer = new PatchEmbed(3, 8, 2, dtype: ScalarType.Float64);
        var x = Normal(Seeded(1), 5, 3, 4, 6);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
        Assert.Equal(new[] { "proj.weight", "proj.bias" }, layer.state_dict().Keys.ToArray());
    }

    [Fact]
    public void PatchEmbedOrdersTokensRowByRow()
    {
        using var layer = new PatchEmbed(2, 4, 2, dtype: ScalarType.Float64);
        var x = Normal(Seeded(2), 1, 2, 4, 6);
        var tokens = layer.call(x);                                  // (1, 2·3, 4)
        Assert.Equal(new long[] { 1, 6, 4 }, tokens.shape);
        var weight = layer.Projection.Weight.reshape(4, -1);
        for (var i = 0; i < 2; i++)
            for (var j = 0; j < 3; j++)
            {
                var patch = x[0, .., (2 * i)..(2 * i + 2), (2 * j)..(2 * j + 2)].reshape(-1);
                AssertClose(tokens[0, i * 3 + j], weight.matmul(patch) + layer.Projection.Bias!, 1e-14);
            }
    }

    [Fact]
    public void UnpatchifyInvertsDiTsPatchLayout()
    {
        // A token's p·p·C entries in (row, column, channel) order land at image[c, i·p + a, j·p + b].
        const long c = 3, p = 2, h = 2, w = 3;
        var tokens = Normal(Seeded(3), 4, h * w, p * p * c);
        var image = Unpatchify.Apply(new Dual(tokens), c, p, h, w).Primal;
        Assert.Equal(new[] { 4L, c, h * p, w * p }, image.shape);
        for (var i = 0; i < h; i++)
            for (var j = 0; j < w; j++)
                for (var a = 0; a < p; a++)
                    for (var b = 0; b < p; b++)
                        for (var ch = 0; ch < c; ch++)
                            Assert.Equal(tokens[1, i * w + j, (a * p + b) * c + ch].ToDouble(), image[1, ch, i * p + a, j * p + b].ToDouble());
        TangentIsExactForAllRowCounts(xs => Unpatchify.Apply(xs[0], c, p, h, w), new[] { tokens });
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var layer = new PatchEmbed(3, 8, 2);
        Assert.Throws<ArgumentException>(() => layer.call(zeros(2, 3, 5, 4)));
        Assert.Throws<ArgumentException>(() => layer.call(zeros(2, 4, 4, 4)));
        Assert.Throws<ArgumentException>(() => Unpatchify.Apply(new Dual(zeros(2, 5, 12)), 3, 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Unpatchify.Apply(new Dual(zeros(2, 6, 11)), 3, 2, 2, 3));
    }
}
