using System;
using System.Linq;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Layers;
using TorchSharp;
using Xunit;
using static MeanFlow.Models.Testing.TangentCheck;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;
using static MeanFlow.Tests.TestTensors;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Layers;

/// <summary>The layers of the improved MeanFlow DiT: rotary positions, RoPE attention with qk RMSNorm, SwiGLU,
/// in-context tokens and the gated block. Each tangent against double backward (float64, ≤ 1e-10), each value against
/// its written-out definition.</summary>
public sealed class ImfLayerTests
{
    public ImfLayerTests() => random.manual_seed(11);

    /// <summary>Perturbs every parameter by N(0, 0.3²) so that no path hides behind a zero or a one.</summary>
    private static void Perturb(nn.Module module, ulong seed)
    {
        var g = Seeded(seed);
        using (no_grad())
            foreach (var p in module.parameters()) p.add_(randn(p.shape, dtype: p.dtype, generator: g).mul_(0.3));
    }

    [Fact]
    public void RotaryEmbeddingRotatesAdjacentPairsByPositionTimesFrequency()
    {
        const long e = 6, n = 5;
        using var rope = RotaryEmbedding.Create(e, n, ScalarType.Float64);
        var x = Normal(Seeded(1), 2, 3, n, e);
        var y = rope.Apply(new Dual(x)).Primal;
        // Written out pair by pair: θ_k = 10000^(−2k/E), angle = position · θ_k.
        var expected = zeros_like(x);
        for (long pos = 0; pos < n; pos++)
            for (long k = 0; k < e / 2; k++)
            {
                var angle = pos * Math.Pow(10000.0, -2.0 * k / e);
                var (c, s) = (Math.Cos(angle), Math.Sin(angle));
                var a = x[.., .., pos, 2 * k];
                var b = x[.., .., pos, 2 * k + 1];
                expected[.., .., pos, 2 * k] = a * c - b * s;
                expected[.., .., pos, 2 * k + 1] = a * s + b * c;
            }
        AssertClose(y, expected, 1e-15, "RoPE");
        Assert.True(Identical(y[.., .., 0], x[.., .., 0]), "position 0 is not rotated");
        AssertClose(y.square().sum(-1), x.square().sum(-1), 1e-14, "a rotation keeps norms");
    }

    [Fact]
    public void RotaryEmbeddingTangentIsExact()
    {
        using var rope = RotaryEmbedding.Create(4, 7, ScalarType.Float64);
        TangentIsExactForAllRowCounts(xs => rope.Apply(xs[0]), new[] { Normal(Seeded(2), 5, 2, 7, 4) });
    }

    [Fact]
    public void RotaryEmbeddingRejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RotaryEmbedding.Create(5, 4, ScalarType.Float64));
        Assert.Throws<ArgumentOutOfRangeException>(() => RotaryEmbedding.Create(4, 0, ScalarType.Float64));
        Assert.Throws<ArgumentException>(() => RotaryEmbedding.Create(4, 3, ScalarType.Int64));
        using var rope = RotaryEmbedding.Create(4, 3, ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => rope.Apply(new Dual(zeros(2, 4, 4, dtype: ScalarType.Float64))));
        Assert.Contains("[B, ..., 3, 4]", e.Message);
    }

    [Fact]
    public void RopeAttentionMatchesItsDefinition()
    {
        using var layer = new RopeAttention(8, 2, dtype: ScalarType.Float64);
        Perturb(layer, 3);
        using var rope = RotaryEmbedding.Create(4, 5, ScalarType.Float64);
        var x = Normal(Seeded(4), 3, 5, 8);
        var p = layer.named_parameters().ToDictionary(q => q.name, q => (Tensor)q.parameter);
        Tensor Norm(Tensor h, Tensor w) => h * (h.square().mean(new long[] { -1 }, keepdim: true) + 1e-6).rsqrt() * w;
        Tensor Split(Tensor y) => y.reshape(3, 5, 2, 4);                                   // (B, N, H, E)
        Tensor Rotate(Tensor h) => rope.Apply(new Dual(h.transpose(1, 2))).Primal.transpose(1, 2);
        var q = Rotate(Norm(Split(x.matmul(p["q_proj._flax_linear.weight"].t())), p["q_norm.weight"]));
        var k = Rotate(Norm(Split(x.matmul(p["k_proj._flax_linear.weight"].t())), p["k_norm.weight"]));
        var v = Split(x.matmul(p["v_proj._flax_linear.weight"].t()));
        var weights = einsum("bqhe,bkhe->bhqk", q / 2.0, k).softmax(-1);
        var expected = einsum("bhqk,bkhe->bqhe", weights, v).reshape(3, 5, 8).matmul(p["out_proj._flax_linear.weight"].t());
        AssertClose(layer.call(new Dual(x), rope).Primal, expected, 1e-14, "RoPE attention");
    }

    [Fact]
    public void RopeAttentionTangentIsExactAndKeepsTheGradients()
    {
        using var layer = new RopeAttention(8, 2, dtype: ScalarType.Float64);
        Perturb(layer, 5);
        using var rope = RotaryEmbedding.Create(4, 6, ScalarType.Float64);
        var x = Normal(Seeded(6), 5, 6, 8);
        TangentIsExactForAllRowCounts(xs => layer.call(xs[0], rope), new[] { x });
        GradientsAreUnchanged(xs => layer.call(xs[0], rope), layer.parameters(), new[] { x });
        Assert.Equal(new[] { "q_proj._flax_linear.weight", "k_proj._flax_linear.weight", "v_proj._flax_linear.weight",
            "out_proj._flax_linear.weight", "q_norm.weight", "k_norm.weight" }, layer.state_dict().Keys.ToArray());
    }

    [Fact]
    public void RopeAttentionRejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RopeAttention(6, 2));         // head width 3: no pairs
        using var layer = new RopeAttention(8, 2, dtype: ScalarType.Float64);
        using var rope = RotaryEmbedding.Create(4, 6, ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => layer.call(new Dual(zeros(2, 5, 8, dtype: ScalarType.Float64)), rope));
        Assert.Contains("tables for 5 positions and head width 4; got 6 and 4", e.Message);
    }

    [Fact]
    public void SwiGluMatchesItsDefinitionAndItsTangentIsExact()
    {
        using var layer = new SwiGlu(6, (long)(6 * 8.0 / 3.0), dtype: ScalarType.Float64);
        var x = Normal(Seeded(7), 5, 3, 6).mul_(2);
        var p = layer.named_parameters().ToDictionary(q => q.name, q => (Tensor)q.parameter);
        Assert.Equal(new long[] { 16, 6 }, p["w1._flax_linear.weight"].shape);
        var a = x.matmul(p["w1._flax_linear.weight"].t());
        var expected = (a * a.sigmoid() * x.matmul(p["w3._flax_linear.weight"].t())).matmul(p["w2._flax_linear.weight"].t());
        AssertClose(layer.call(x), expected, 1e-14, "SwiGLU");
        TangentIsExactForAllRowCounts(layer, x);
        GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void InContextTokensAreTableRowsPlusTheEmbeddingAndCarryItsTangent()
    {
        var g = Seeded(8);
        Tensor a = Normal(g, 3, 4), b = Normal(g, 2, 4), ea = Normal(g, 5, 4), eb = Normal(g, 5, 4), patches = Normal(g, 5, 6, 4);
        var seq = InContextTokens.Prepend(new[] { InContextTokens.Condition(a, new Dual(ea)), InContextTokens.Condition(b, new Dual(eb)) },
            new Dual(patches)).Primal;
        Assert.Equal(new long[] { 5, 11, 4 }, seq.shape);
        AssertClose(seq[.., 1], a[1].unsqueeze(0) + ea, 0, "token 1 of the first group");
        AssertClose(seq[.., 4], b[1].unsqueeze(0) + eb, 0, "token 1 of the second group");
        Assert.True(Identical(seq[.., 5..], patches), "the patches follow the conditions unchanged");
        // Tangent through both groups and the patches; a constant group (Dual.Constant) contributes a zero tangent.
        TangentIsExactForAllRowCounts(xs => InContextTokens.Prepend(new[]
        {
            InContextTokens.Condition(a, xs[0]), InContextTokens.Condition(b, Dual.Constant(eb, xs[0].HasTangent ? xs[0].TangentRows : null)),
        }, xs[1]), new[] { ea, patches }, reference: xs => cat(new[] { a.unsqueeze(0) + xs[0].unsqueeze(1), b.unsqueeze(0) + eb.narrow(0, 0, xs[0].shape[0]).unsqueeze(1), xs[1] }, 1));
        Assert.Throws<ArgumentException>(() => InContextTokens.Condition(Normal(g, 3, 5), new Dual(ea)));
        Assert.Throws<ArgumentException>(() => InContextTokens.Prepend(new[] { new Dual(Normal(g, 5, 2, 3)) }, new Dual(patches)));
    }

    [Fact]
    public void GatedBlockTangentIsExactAndItsGatesStartClosed()
    {
        using var block = new GatedTransformerBlock(8, 2, 21, dtype: ScalarType.Float64);
        using var rope = RotaryEmbedding.Create(4, 6, ScalarType.Float64);
        var x = Normal(Seeded(9), 5, 6, 8);
        Assert.True(Identical(block.call(new Dual(x), rope).Primal, x), "zero gates: the block is the identity at initialisation");
        Perturb(block, 10);
        Assert.True(block.AttentionGate.abs().min().ToDouble() > 0 && block.MlpGate.abs().min().ToDouble() > 0);
        TangentIsExactForAllRowCounts(xs => block.call(xs[0], rope), new[] { x });
        GradientsAreUnchanged(xs => block.call(xs[0], rope), block.parameters(), new[] { x });
        var p = block.named_parameters().ToDictionary(q => q.name, q => (Tensor)q.parameter);
        // x + attn(norm1 x) ⊙ attn_scale, then + mlp(norm2 ·) ⊙ mlp_scale: removing the MLP gate leaves the attention residual.
        using (no_grad()) block.MlpGate.zero_();
        using var attention = new RopeAttention(8, 2, dtype: ScalarType.Float64);
        using (no_grad())
            foreach (var (name, q) in attention.named_parameters()) q.copy_(p["attn." + name]);
        var normed = x * (x.square().mean(new long[] { -1 }, keepdim: true) + 1e-6).rsqrt() * p["norm1.weight"];
        AssertClose(block.call(new Dual(x), rope).Primal, x + attention.call(new Dual(normed), rope).Primal * p["attn_scale"], 1e-14, "gated residual");
    }
}
