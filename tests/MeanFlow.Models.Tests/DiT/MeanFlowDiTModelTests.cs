using static MeanFlow.Models.Tests.DiT.DiTTestModels;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.DiT;

public sealed class MeanFlowDiTModelTests
{
    [Theory]
    [InlineData(TimeConditioning.TimeAndInterval)]
    [InlineData(TimeConditioning.TimeStartAndInterval)]
    [InlineData(TimeConditioning.IntervalOnly)]
    public void AverageVelocityAndItsTangentAreZeroAtInitialisation(TimeConditioning mode)
    {
        using var model = Create(mode, perturbation: 0);
        var g = new Generator(5);
        var (z, r, t) = Inputs(g, 4);
        var u = model.AverageVelocity(z, r, t, Labels(0, 1, 2, 3));
        Assert.Equal(z.shape, u.shape);
        Assert.Equal(0.0, u.abs().max().ToDouble());
        using var jvp = model.AverageVelocityWithTangent(z, r, t, null, InputTangent.AlongTrajectory(Normal(g, 3, Channels, ImageSize, ImageSize)));
        Assert.Equal(0.0, jvp.Value.abs().max().ToDouble());
        Assert.Equal(0.0, jvp.Tangent.abs().max().ToDouble());
    }

    [Fact]
    public void InitialisationFollowsDiT()
    {
        using var model = Create(perturbation: 0);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, p) in parameters)
        {
            if (name.Contains("adaLN_modulation") || name.StartsWith("final_layer.linear.", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal))
                Assert.True(p.abs().max().ToDouble() == 0, $"{name} must start at zero");
            else if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                Assert.True(p.eq(1).all().item<bool>(), $"{name} must start at one");
            else if (name.StartsWith("blocks.", StringComparison.Ordinal))
            {
                var bound = Math.Sqrt(6.0 / (p.shape[0] + p.shape[1]));     // xavier-uniform
                Assert.True(p.abs().max().ToDouble() <= bound && p.abs().max().ToDouble() > 0.5 * bound, $"{name} is not xavier-uniform");
            }
        }
        var patch = parameters["x_embedder.proj.weight"];                    // like a Linear (D, C·p·p)
        var patchBound = Math.Sqrt(6.0 / (8 + Channels * 2 * 2));
        Assert.True(patch.abs().max().ToDouble() <= patchBound && patch.abs().max().ToDouble() > 0.5 * patchBound);
        var expected = SinCosPositionEmbedding.Create2D(8, 2, 2, ScalarType.Float64).unsqueeze(0);
        Assert.True(Identical(model.state_dict()["pos_embed"], expected));
        Assert.DoesNotContain("pos_embed", parameters.Keys);              // fixed: a buffer, not trained
    }

    [Fact]
    public void TheSameGeneratorGivesTheSameWeights()
    {
        using var a = new MeanFlowDiT(Config(), new Generator(7), dtype: ScalarType.Float64);
        using var b = new MeanFlowDiT(Config(), new Generator(7), dtype: ScalarType.Float64);
        using var c = new MeanFlowDiT(Config(), new Generator(8), dtype: ScalarType.Float64);
        var (sa, sb, sc) = (a.state_dict(), b.state_dict(), c.state_dict());
        Assert.All(sa.Keys, key => Assert.True(Identical(sa[key], sb[key]), key));
        Assert.False(Identical(sa["blocks.0.attn.qkv.weight"], sc["blocks.0.attn.qkv.weight"]));
    }

    [Fact]
    public void StateDictKeysFollowTheMeanFlowDiTOfPyTorch()
    {
        // MFDiT (haidog-yaqub/MeanFlow) embeds (t, r): TimeAndStart has exactly its keys.
        using var model = Create(TimeConditioning.TimeAndStart, depth: 1, perturbation: 0);
        string[] expected =
        {
            "x_embedder.proj.weight", "x_embedder.proj.bias", "t_embedder.mlp.0.weight", "t_embedder.mlp.0.bias",
            "t_embedder.mlp.2.weight", "t_embedder.mlp.2.bias", "r_embedder.mlp.0.weight", "r_embedder.mlp.0.bias",
            "r_embedder.mlp.2.weight", "r_embedder.mlp.2.bias", "y_embedder.embedding.weight", "pos_embed",
            "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.q_norm.weight", "blocks.0.attn.k_norm.weight",
            "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias", "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc1.bias",
            "blocks.0.mlp.fc2.weight", "blocks.0.mlp.fc2.bias", "blocks.0.adaLN_modulation.1.weight", "blocks.0.adaLN_modulation.1.bias",
            "final_layer.linear.weight", "final_layer.linear.bias", "final_layer.adaLN_modulation.1.weight", "final_layer.adaLN_modulation.1.bias",
        };
        var state = model.state_dict();
        Assert.Equal(expected.OrderBy(k => k, StringComparer.Ordinal), state.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(new long[] { 1, 4, 8 }, state["pos_embed"].shape);
        Assert.Equal(new long[] { Classes + 1, 8 }, state["y_embedder.embedding.weight"].shape);
        Assert.Equal(new long[] { 8, Channels, 2, 2 }, state["x_embedder.proj.weight"].shape);
        Assert.Equal(new long[] { 2 * 2 * Channels, 8 }, state["final_layer.linear.weight"].shape);

        using var interval = Create(TimeConditioning.TimeAndInterval, classes: 0, depth: 1, perturbation: 0);
        var keys = interval.state_dict().Keys.ToList();
        Assert.Contains("interval_embedder.mlp.0.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("r_embedder", StringComparison.Ordinal) || k.StartsWith("y_embedder", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Tiny", 1, 28)]
    [InlineData("Small", 3, 32)]
    public void CpuPresetsMapImagesToImages(string preset, int channels, int size)
    {
        using var model = preset == "Tiny" ? MeanFlowDiT.Tiny(generator: new Generator(1)) : MeanFlowDiT.Small(generator: new Generator(1));
        using (no_grad())
            foreach (var p in model.parameters()) p.add_(randn(p.shape, generator: new Generator(2)).mul_(0.02));
        var g = new Generator(3);
        var z = randn(new long[] { 3, channels, size, size }, generator: g);
        var t = rand(new long[] { 3 }, generator: g);
        using var jvp = model.AverageVelocityWithTangent(z, t * 0.5, t, tensor(new long[] { 1, 10, 9 }),
            InputTangent.AlongTrajectory(randn(new long[] { 2, channels, size, size }, generator: g)));
        Assert.Equal(z.shape, jvp.Value.shape);
        Assert.Equal(new long[] { 2, channels, size, size }, jvp.Tangent.shape);
        Assert.True(jvp.Value.isfinite().all().item<bool>() && jvp.Value.abs().max().ToDouble() > 0);
    }

    [Fact]
    public void ConversionToFloat64CarriesThePositionEmbedding()
    {
        using var model = new MeanFlowDiT(Config(), new Generator(1));
        model.to(ScalarType.Float64);
        Assert.All(model.state_dict().Values, v => Assert.Equal(ScalarType.Float64, v.dtype));
        var (z, r, t) = Inputs(new Generator(2), 2);
        Assert.Equal(ScalarType.Float64, model.AverageVelocity(z, r, t).dtype);
    }

    [Fact]
    public void MissingLabelsMeanTheNullClass()
    {
        using var model = Create();
        var (z, r, t) = Inputs(new Generator(4), 3);
        Assert.True(Identical(model.AverageVelocity(z, r, t, null), model.AverageVelocity(z, r, t, Labels(Classes, Classes, Classes))));
        Assert.False(Identical(model.AverageVelocity(z, r, t, null), model.AverageVelocity(z, r, t, Labels(0, 1, 2))));
    }
}
