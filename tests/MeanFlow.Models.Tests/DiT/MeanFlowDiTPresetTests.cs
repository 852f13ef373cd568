namespace MeanFlow.Models.Tests.DiT;

/// <summary>Preset shapes and parameter counts. The expected counts come from <see cref="ReferenceCount"/>, written
/// out from the architecture description (not by summing our modules), and are the numbers in the presets' XML docs.</summary>
public sealed class MeanFlowDiTPresetTests
{
    /// <summary>Parameters of a MeanFlow DiT as described: patch embedding (a D×C×p×p convolution with bias), one
    /// timestep embedder per time input (Linear(F, D), SiLU, Linear(D, D)), a class table of K + 1 rows, per block
    /// qkv and proj linears, qk-norm weights (D/H each for q and k), an MLP D → M → D and the adaLN linear D → 6D,
    /// and a final layer with adaLN D → 2D and a linear D → p·p·C_out; every linear with bias; RMSNorm/LayerNorm
    /// without affine weights. <paramref name="positionEmbedding"/> adds the N·D table (a parameter in DiT's count).</summary>
    internal static long ReferenceCount(long s, long c, long p, long d, long depth, long heads, long classes, long mlp,
        long timeEmbedders, long frequencies = 256, bool qkNorm = true, long outChannels = -1, bool positionEmbedding = false)
    {
        if (outChannels < 0) outChannels = c;
        long Linear(long input, long output) => input * output + output;
        var tokens = s / p * (s / p);
        var patch = d * c * p * p + d;
        var time = timeEmbedders * (Linear(frequencies, d) + Linear(d, d));
        var table = classes > 0 ? (classes + 1) * d : 0;
        var block = Linear(d, 3 * d) + (qkNorm ? 2 * (d / heads) : 0) + Linear(d, d) + Linear(d, mlp) + Linear(mlp, d) + Linear(d, 6 * d);
        var final = Linear(d, 2 * d) + Linear(d, p * p * outChannels);
        return patch + time + table + depth * block + final + (positionEmbedding ? tokens * d : 0);
    }

    [Theory]
    [InlineData(384, 12, 6, 33)]      // DiT-S/2
    [InlineData(768, 12, 12, 130)]    // DiT-B/2
    [InlineData(1024, 24, 16, 458)]   // DiT-L/2
    [InlineData(1152, 28, 16, 675)]   // DiT-XL/2
    public void TheReferenceCountReproducesTheDiTPaper(long hidden, long depth, long heads, long millions)
    {
        // Peebles & Xie 2023, Table 4 (trainable parameters, rounded): one time embedder, LayerNorm without affine,
        // no qk-norm, learned sigma (8 output channels); their pos_embed is frozen and not counted.
        var count = ReferenceCount(32, 4, 2, hidden, depth, heads, 1000, 4 * hidden, timeEmbedders: 1, qkNorm: false, outChannels: 8);
        Assert.Equal(millions, Math.Round(count / 1e6));
        if (hidden == 768) Assert.Equal(130_315_808, count);
    }

    [Theory]
    [InlineData("B2", 12, 768, 12, 2, 131_093_008, 131)]     // MeanFlow paper, Table 2: 131M, 308M, 459M, 676M
    [InlineData("M2", 16, 1024, 16, 2, 308_021_264, 308)]
    [InlineData("L2", 24, 1024, 16, 2, 459_140_112, 459)]
    [InlineData("XL2", 28, 1152, 16, 2, 676_444_624, 676)]
    [InlineData("Tiny", 4, 128, 4, 4, 1_325_072, 1)]
    [InlineData("Small", 6, 256, 4, 4, 7_524_144, 8)]
    public void PresetHasItsShapeAndItsStatedParameterCount(string name, int depth, int hidden, int heads, int patch, long stated, long millions)
    {
        // Built on the meta device: shapes only, no memory, no arithmetic.
        var meta = new Device(DeviceType.META);
        using var model = name switch
        {
            "B2" => MeanFlowDiT.B2(device: meta),
            "M2" => MeanFlowDiT.M2(device: meta),
            "L2" => MeanFlowDiT.L2(device: meta),
            "XL2" => MeanFlowDiT.XL2(device: meta),
            "Tiny" => MeanFlowDiT.Tiny(device: meta),
            _ => MeanFlowDiT.Small(device: meta),
        };
        var config = model.Config;
        Assert.Equal((depth, hidden, heads, patch), (config.Depth, config.HiddenSize, config.Heads, config.PatchSize));
        Assert.Equal(TimeConditioning.TimeAndInterval, config.Conditioning);
        var reference = ReferenceCount(config.InputSize, config.InChannels, config.PatchSize, config.HiddenSize, config.Depth,
            config.Heads, config.Classes, 4 * config.HiddenSize, timeEmbedders: 2);
        Assert.Equal(stated, reference);
        Assert.Equal(millions, Math.Round(reference / 1e6));
        Assert.Equal(stated, DiTTestModels.ParameterCount(model));
        var stateDict = 0L;
        foreach (var (_, tensor) in model.state_dict()) stateDict += tensor.numel();
        Assert.Equal(stated + (long)config.Tokens * config.HiddenSize, stateDict);   // + the fixed pos_embed buffer
    }

    [Theory]
    [InlineData(TimeConditioning.TimeAndInterval, 2)]
    [InlineData(TimeConditioning.TimeAndStart, 2)]
    [InlineData(TimeConditioning.TimeStartAndInterval, 3)]
    [InlineData(TimeConditioning.IntervalOnly, 1)]
    public void EachTimeInputHasItsOwnEmbedder(TimeConditioning mode, int embedders)
    {
        using var model = MeanFlowDiT.Tiny(classes: 0, conditioning: mode, device: new Device(DeviceType.META));
        var expected = ReferenceCount(28, 1, 4, 128, 4, 4, 0, 512, timeEmbedders: embedders);
        Assert.Equal(expected, DiTTestModels.ParameterCount(model));
    }

    [Fact]
    public void PresetsPassTheirArgumentsThrough()
    {
        var meta = new Device(DeviceType.META);
        using var tiny = MeanFlowDiT.Tiny(3, 16, 2, 2, TimeConditioning.TimeAndStart, timeScale: 1, device: meta);
        var c = tiny.Config;
        Assert.Equal((3, 16, 2, 2, TimeConditioning.TimeAndStart, 1.0), (c.Classes, c.InputSize, c.InChannels, c.PatchSize, c.Conditioning, c.TimeScale));
        using var b2 = MeanFlowDiT.B2(classes: 0, inputSize: 8, inChannels: 3, TimeConditioning.IntervalOnly, timeScale: 2, device: meta);
        c = b2.Config;
        Assert.Equal((0, 8, 3, 2, TimeConditioning.IntervalOnly, 2.0, 768), (c.Classes, c.InputSize, c.InChannels, c.PatchSize, c.Conditioning, c.TimeScale, c.HiddenSize));
        using var small = MeanFlowDiT.Small(timeScale: 10, device: meta);
        Assert.Equal((10, 32, 3, 10.0), (small.Config.Classes, small.Config.InputSize, small.Config.InChannels, small.Config.TimeScale));
    }
}
