using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class NormalizationTests
{
    public NormalizationTests() => random.manual_seed(2);

    /// <summary>Affine parameters away from their initial 1 and 0, so that a tangent ignoring them fails.</summary>
    private static void Perturb(nn.Module module)
    {
        using var g = Seeded(99);
        using (no_grad())
            foreach (var p in module.parameters()) p.add_(randn(p.shape, dtype: p.dtype, generator: g).mul_(0.3));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RmsNormTangentIsExact(bool affine)
    {
        using var layer = new DualRmsNorm(8, eps: 1e-6, elementwiseAffine: affine, dtype: ScalarType.Float64);
        Perturb(layer);
        var x = Normal(Seeded(1), 5, 3, 8);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
        Assert.Equal(affine ? new[] { "weight" } : Array.Empty<string>(), LinearAndConvolutionTests.StateDictKeys(layer));
    }

    [Fact]
    public void RmsNormMatchesDefinitionWithDtypeEpsilon()
    {
        using var layer = new DualRmsNorm(8, dtype: ScalarType.Float64);
        Perturb(layer);
        Assert.Equal(Math.Pow(2, -52), layer.Epsilon(ScalarType.Float64));
        var x = Normal(Seeded(2), 4, 8);
        var expected = x / (x.square().mean(new long[] { -1 }, keepdim: true) + Math.Pow(2, -52)).sqrt() * layer.Weight!;
        AssertClose(layer.call(x), expected, 1e-15);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void LayerNormTangentIsExact(bool affine, bool bias)
    {
        using var layer = new DualLayerNorm(8, eps: 1e-6, elementwiseAffine: affine, hasBias: bias, dtype: ScalarType.Float64);
        Perturb(layer);
        var x = Normal(Seeded(3), 5, 3, 8).add_(2.0);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void LayerNormMatchesTorch()
    {
        using var layer = new DualLayerNorm(8, dtype: ScalarType.Float64);
        Perturb(layer);
        var x = Normal(Seeded(4), 4, 8);
        var reference = nn.LayerNorm(8, dtype: ScalarType.Float64);
        using (no_grad())
        {
            reference.weight!.copy_(layer.parameters().First());
            reference.bias!.copy_(layer.parameters().Last());
        }
        Assert.True(Identical(layer.call(x), reference.call(x)));
        Assert.Equal(new[] { "weight", "bias" }, LinearAndConvolutionTests.StateDictKeys(layer));
    }

    [Theory]
    [InlineData(true, 4)]
    [InlineData(false, 4)]
    [InlineData(true, 1)]
    [InlineData(true, 8)]
    public void GroupNormTangentIsExact(bool affine, long groups)
    {
        using var layer = new DualGroupNorm(groups, 8, affine: affine, dtype: ScalarType.Float64);
        Perturb(layer);
        var x = Normal(Seeded(5), 5, 8, 3, 4).add_(1.0);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void GroupNormAcceptsAnyTrailingDimensions()
    {
        // At least 4 values per group: normalising 2 values gives ±1 up to ε, whose tangent is all cancellation.
        using var layer = new DualGroupNorm(2, 8, dtype: ScalarType.Float64);
        Perturb(layer);
        TangentIsExactForAllRowCounts(layer, Normal(Seeded(6), 3, 8), partialRows: 1);
        TangentIsExactForAllRowCounts(layer, Normal(Seeded(7), 3, 8, 5), partialRows: 1);
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var rms = new DualRmsNorm(8);
        Assert.Contains("[B, ..., 8]", Assert.Throws<ArgumentException>(() => rms.call(zeros(2, 7))).Message);
        using var ln = new DualLayerNorm(8);
        Assert.Throws<ArgumentException>(() => ln.call(zeros(2, 3, 7)));
        using var gn = new DualGroupNorm(2, 8);
        Assert.Throws<ArgumentException>(() => gn.call(zeros(2, 6, 3, 3)));
        Assert.Throws<ArgumentException>(() => gn.call(zeros(8)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DualGroupNorm(3, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DualRmsNorm(8, eps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DualLayerNorm(8, eps: double.NaN));
    }
}
