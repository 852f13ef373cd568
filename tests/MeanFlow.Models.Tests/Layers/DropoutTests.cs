using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class DropoutTests
{
    private const ulong MaskSeed = 5;

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.8)]
    public void TrainingTangentUsesThePrimalsMask(double p)
    {
        using var generator = new Generator(MaskSeed);
        using var layer = new DualDropout(p, generator);
        layer.train();
        var x = Normal(Seeded(1), 5, 4, 6);
        void Reseed() => generator.manual_seed((long)MaskSeed);

        // The mask the layer draws with this seed, read off the plain forward: kept entries are x/(1 − p), dropped 0.
        Reseed();
        var y = layer.call(x);
        var mask = y / x;
        var kept = mask.ne(0);
        Assert.True(kept.any().item<bool>() && (~kept).any().item<bool>(), "the mask must keep some and drop some entries");
        AssertClose(mask.masked_select(kept), full_like(mask.masked_select(kept), 1 / (1 - p)), 1e-15);

        // Reference: the JVP of x ↦ x ⊙ mask with that same mask (double backward), for K = 0, 2, B.
        foreach (var k in new long[] { 0, 2, 5 })
        {
            var leadingMask = mask.narrow(0, 0, k);
            TangentIsExact(xs => layer.call(xs[0]), new[] { x }, k, seed: 20 + (ulong)k,
                reference: xs => xs[0] * leadingMask, beforeEachCall: Reseed);
        }
        GradientsAreUnchanged(xs => layer.call(xs[0]), Array.Empty<Tensor>(), new[] { x }, beforeEachCall: Reseed);
    }

    [Fact]
    public void TheTangentOfTheLeadingRowsFollowsTheirMaskNotAFreshOne()
    {
        using var generator = new Generator(MaskSeed);
        using var layer = new DualDropout(0.5, generator);
        layer.train();
        var x = Normal(Seeded(2), 6, 50);
        var dx = Normal(Seeded(3), 3, 50);
        generator.manual_seed((long)MaskSeed);
        var output = layer.call(new Dual(x, dx));
        // The tangent is zero exactly where the primal rows were dropped, and dx/(1 − p) elsewhere.
        var mask = output.Primal.narrow(0, 0, 3) / x.narrow(0, 0, 3);
        Assert.True(Identical(output.Tangent!, dx * mask));
    }

    [Fact]
    public void EvaluationModeAndZeroRateAreTheIdentity()
    {
        using var layer = new DualDropout(0.5);
        layer.eval();
        var x = Normal(Seeded(4), 5, 6);
        var dual = new Dual(x, Normal(Seeded(5), 2, 6));
        Assert.Same(dual, layer.call(dual));
        TangentIsExactForAllRowCounts(layer, x);
        using var none = new DualDropout(0.0);
        none.train();
        Assert.Same(dual, none.call(dual));
    }

    [Fact]
    public void RateOneDropsEverything()
    {
        using var layer = new DualDropout(1.0);
        layer.train();
        var output = layer.call(new Dual(Normal(Seeded(6), 3, 4), Normal(Seeded(7), 2, 4)));
        Assert.Equal(0.0, output.Primal.abs().max().ToDouble());
        Assert.Equal(0.0, output.Tangent!.abs().max().ToDouble());
    }

    [Fact]
    public void BadRateIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DualDropout(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DualDropout(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DualDropout(double.NaN));
    }
}
