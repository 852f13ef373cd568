using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class AttentionTests
{
    public AttentionTests() => random.manual_seed(3);

    [Fact]
    public void SoftmaxAttentionTangentIsExact()
    {
        var g = Seeded(1);
        Tensor q = Normal(g, 5, 2, 4, 3), k = Normal(g, 5, 2, 6, 3), v = Normal(g, 5, 2, 6, 5);
        TangentIsExactForAllRowCounts(xs => SoftmaxAttention.Apply(xs[0], xs[1], xs[2], 0.7), new[] { q, k, v });
        GradientsAreUnchanged(xs => SoftmaxAttention.Apply(xs[0], xs[1], xs[2], 0.7), Array.Empty<Tensor>(), new[] { q, k, v });
    }

    [Fact]
    public void SoftmaxAttentionMatchesItsDefinition()
    {
        var g = Seeded(2);
        Tensor q = Normal(g, 2, 4, 3), k = Normal(g, 2, 6, 3), v = Normal(g, 2, 6, 5);
        var o = SoftmaxAttention.Apply(new Dual(q), new Dual(k), new Dual(v), 0.5).Primal;
        var scores = einsum("bnd,bmd->bnm", q, k) * 0.5;
        var weights = scores.exp() / scores.exp().sum(-1, keepdim: true);
        AssertClose(o, einsum("bnm,bme->bne", weights, v), 1e-14);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void SelfAttentionTangentIsExact(bool qkNorm, bool qkvBias)
    {
        using var layer = new SelfAttention(8, 2, qkvBias, qkNorm, dtype: ScalarType.Float64);
        using (no_grad())
            foreach (var (name, p) in layer.named_parameters())
                if (name.Contains("norm")) p.add_(randn(p.shape, dtype: p.dtype).mul_(0.3));
        var x = Normal(Seeded(3), 5, 4, 8);
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void SelfAttentionHasTimmStateDictKeys()
    {
        using var plain = new SelfAttention(8, 2);
        Assert.Equal(new[] { "qkv.weight", "qkv.bias", "proj.weight", "proj.bias" }, plain.state_dict().Keys.ToArray());
        using var normed = new SelfAttention(8, 2, qkNorm: true);
        Assert.Equal(new[] { "qkv.weight", "qkv.bias", "q_norm.weight", "k_norm.weight", "proj.weight", "proj.bias" },
            normed.state_dict().Keys.ToArray());
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var layer = new SelfAttention(8, 2);
        Assert.Throws<ArgumentException>(() => layer.call(zeros(2, 4, 6)));
        Assert.Throws<ArgumentException>(() => layer.call(zeros(2, 8)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SelfAttention(8, 3));
        var q = new Dual(zeros(2, 4, 3));
        Assert.Throws<ArgumentException>(() => SoftmaxAttention.Apply(q, new Dual(zeros(2, 5, 4)), new Dual(zeros(2, 5, 2)), 1));
        Assert.Throws<ArgumentException>(() => SoftmaxAttention.Apply(q, new Dual(zeros(2, 5, 3)), new Dual(zeros(2, 6, 2)), 1));
        Assert.Throws<ArgumentException>(() => SoftmaxAttention.Apply(q, new Dual(zeros(2, 5, 3), zeros(1, 5, 3)), new Dual(zeros(2, 5, 2)), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxAttention.Apply(q, new Dual(zeros(2, 5, 3)), new Dual(zeros(2, 5, 2)), 0));
    }
}
