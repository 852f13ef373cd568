using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.UNet;

public sealed class UNetBlockTests
{
    private const long Embedding = 6;

    private static UNetBlock Block(long cin, long cout, Resampling resampling = Resampling.None, bool attention = false,
        QkvLayout layout = QkvLayout.Stacked, double dropout = 0, Generator? generator = null)
    {
        var block = new UNetBlock(cin, cout, Embedding, resampling, attention, heads: 2, layout, dropout,
            new[] { 1.0, 3, 3, 1 }, generator, dtype: ScalarType.Float64);
        using (no_grad())
            foreach (var p in block.parameters()) p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: Seeded(3)).mul_(0.1));
        return block;
    }

    [Theory]
    [InlineData(8, 8, Resampling.None, false, QkvLayout.Stacked)]
    [InlineData(8, 16, Resampling.None, true, QkvLayout.Stacked)]
    [InlineData(8, 16, Resampling.None, true, QkvLayout.Interleaved)]
    [InlineData(8, 8, Resampling.Down, false, QkvLayout.Stacked)]
    [InlineData(16, 8, Resampling.Up, true, QkvLayout.Interleaved)]
    public void TangentIsExactAndGradientsAreUnchanged(long cin, long cout, Resampling resampling, bool attention, QkvLayout layout)
    {
        using var block = Block(cin, cout, resampling, attention, layout);
        var g = Seeded(1);
        var x = Normal(g, 4, cin, 4, 4);
        var emb = Normal(g, 4, Embedding);
        Dual F(Dual[] xs) => block.call(xs[0], xs[1]);
        TangentIsExactForAllRowCounts(F, new[] { x, emb });
        GradientsAreUnchanged(F, block.parameters(), new[] { x, emb });
    }

    [Fact]
    public void TrainingTangentUsesThePrimalsDropoutMasks()
    {
        using var generator = new Generator(4);
        using var block = Block(8, 16, attention: true, dropout: 0.4, generator: generator);
        block.train();
        var g = Seeded(2);
        var x = Normal(g, 3, 8, 4, 4);
        var emb = Normal(g, 3, Embedding);
        void Reseed() => generator.manual_seed(17);
        Dual F(Dual[] xs) => block.call(xs[0], xs[1]);
        // The whole-batch function with the same masks; zero direction on the rows after K (rows do not interact).
        foreach (var k in new long[] { 0, 1, 3 })
        {
            var leading = k;
            TangentIsExact(F, new[] { x, emb }, k, 40 + (ulong)k, beforeEachCall: Reseed, reference: xs =>
            {
                Reseed();
                var padded = xs.Zip(new[] { x, emb }, (lead, whole) => cat(new[] { lead, whole.narrow(0, leading, 3 - leading) })).ToArray();
                return block.call(new Dual(padded[0]), new Dual(padded[1])).Primal.narrow(0, 0, leading);
            });
        }
        GradientsAreUnchanged(F, block.parameters(), new[] { x, emb }, beforeEachCall: Reseed);
    }

    [Theory]
    [InlineData(QkvLayout.Stacked)]
    [InlineData(QkvLayout.Interleaved)]
    public void AttentionFollowsTheReferenceFormulas(QkvLayout layout)
    {
        // EDM:        q, k, v = qkv.reshape(B·H, C/H, 3, HW).unbind(2); w = softmax(qᵀk / √(C/H)); a = v·wᵀ → (B, C, H, W)
        // py-meanflow: q, k, v = qkv.chunk(3, dim 1), each viewed (B·H, C/H, HW); same w and a.
        const long b = 2, c = 8, heads = 2, side = 3, perHead = c / heads, pixels = side * side;
        var qkv = Normal(Seeded(5), b, 3 * c, side, side);
        Tensor q, k, v;
        if (layout == QkvLayout.Interleaved)
        {
            var parts = qkv.reshape(b * heads, perHead, 3, pixels).unbind(2);
            (q, k, v) = (parts[0], parts[1], parts[2]);
        }
        else
        {
            var parts = qkv.reshape(b, 3 * c, pixels).chunk(3, 1);
            (q, k, v) = (parts[0].reshape(b * heads, perHead, pixels), parts[1].reshape(b * heads, perHead, pixels), parts[2].reshape(b * heads, perHead, pixels));
        }
        var w = einsum("ncq,nck->nqk", q, k).div(Math.Sqrt(perHead)).softmax(2);
        var expected = einsum("nqk,nck->ncq", w, v).reshape(b, c, side, side);
        AssertClose(UNetAttention.Apply(new Dual(qkv), heads, layout).Primal, expected, 1e-14);
    }

    [Fact]
    public void LayoutsDifferByAPermutationOfQkvChannels()
    {
        // Stacked channel (i, h, c) = i·C + h·C/H + c holds what Interleaved keeps in channel 3·(h·C/H + c) + i.
        using var stacked = Block(8, 8, attention: true, layout: QkvLayout.Stacked);
        using var interleaved = Block(8, 8, attention: true, layout: QkvLayout.Interleaved);
        interleaved.load_state_dict(stacked.state_dict());
        const long c = 8;
        var permutation = tensor(Enumerable.Range(0, 3 * (int)c).Select(j => (long)(3 * (j % c) + j / c)).ToArray());
        using (no_grad())
        {
            var source = stacked.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, p) in interleaved.named_parameters().Where(p => p.name.StartsWith("qkv.")))
                p.index_copy_(0, permutation, source[name]);
        }
        var g = Seeded(6);
        var x = Normal(g, 2, 8, 4, 4);
        var emb = Normal(g, 2, Embedding);
        AssertClose(interleaved.call(new Dual(x), new Dual(emb)).Primal, stacked.call(new Dual(x), new Dual(emb)).Primal, 1e-13);
    }

    [Fact]
    public void StateDictHasEdmsKeys()
    {
        using var block = Block(8, 16, Resampling.Down, attention: true);
        var keys = block.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var expected = new[] { "affine", "conv0", "conv1", "norm0", "norm1", "norm2", "proj", "qkv", "skip" }
            .SelectMany(m => new[] { m + ".bias", m + ".weight" })
            .Concat(new[] { "conv0.resample_filter", "skip.resample_filter" })
            .OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, keys);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new UNetBlock(3, 8, 4));          // 3 channels: no GroupNorm group of 4
        Assert.Throws<ArgumentOutOfRangeException>(() => new UNetBlock(8, 8, 4, dropout: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UNetBlock(8, 12, 4, attention: true, heads: 5));
        using var block = new UNetBlock(8, 8, 4);
        Assert.Throws<ArgumentException>(() => block.call(new Dual(zeros(2, 4, 4, 4)), new Dual(zeros(2, 4))));
        Assert.Throws<ArgumentException>(() => block.call(new Dual(zeros(2, 8, 4, 4)), new Dual(zeros(2, 5))));
    }
}
