using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>Presets: state dicts (keys, shapes, parameter counts) against EDM's architecture written down
/// independently (<see cref="EdmStateDict"/>), shapes for 28×28 and 32×32, and u = 0 at initialisation.</summary>
public sealed class SongUNetPresetTests
{
    private static void AssertStateDictIs(SongUNet net, System.Collections.Generic.List<EdmStateDict.Entry> expected)
    {
        var actual = net.state_dict();
        Assert.Equal(expected.Select(e => e.Key).OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var e in expected) Assert.True(e.Shape.SequenceEqual(actual[e.Key].shape), $"{e.Key}: expected [{string.Join(", ", e.Shape)}], got [{string.Join(", ", actual[e.Key].shape)}]");
        Assert.Equal(EdmStateDict.ParameterCount(expected), net.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void EdmsDdpmppCifar10HasThePublishedParameterCount()
    {
        // EDM (Karras et al. 2022), Table 7: DDPM++ on CIFAR-10 has 55.73 M parameters (with the 9-dim augmentation
        // mapping, one time input embedded in 128 channels, filter [1, 1]). This anchors the independent description.
        var edm = EdmStateDict.Of(32, 3, 3, 128, new[] { 2, 2, 2 }, 4, 4, new[] { 16 }, mapInputs: 128, augmentDim: 9);
        Assert.Equal(55_733_891, EdmStateDict.ParameterCount(edm));
        Assert.Equal(55.73e6, EdmStateDict.ParameterCount(edm), 0.005e6);
    }

    [Fact]
    public void MeanFlowCifar10MatchesTheReferenceArchitecture()
    {
        // py-meanflow's network: two time inputs of 256 channels each (map_layer0: 512 → 512), filter [1, 3, 3, 1],
        // no augmentation mapping. Versus EDM's DDPM++: +384·512 = +196,608 in map_layer0, −1,152 without map_augment.
        using var net = SongUNet.MeanFlowCifar10(generator: new Generator(1));
        var expected = EdmStateDict.Of(32, 3, 3, 128, new[] { 2, 2, 2 }, 4, 4, new[] { 16 }, mapInputs: 512, filterTaps: 4);
        AssertStateDictIs(net, expected);
        Assert.Equal(55_929_347, EdmStateDict.ParameterCount(expected));
        Assert.Equal(55_733_891 + 196_608 - 1_152, EdmStateDict.ParameterCount(expected));
        Assert.Equal(0.0, net.state_dict()["dec.32x32_aux_conv.weight"].abs().max().ToDouble());
    }

    [Theory]
    [InlineData(28, 1, 0, 32, 1_757_089)]
    [InlineData(32, 3, 0, 32, 1_758_243)]
    [InlineData(28, 1, 10, 32, 1_757_089 + 10 * 64 + 64)]
    [InlineData(28, 1, 0, 16, 442_321)]
    public void SmallPresetMatchesTheReferenceArchitectureAndShapes(int resolution, int channels, int classes, int modelChannels, long count)
    {
        using var net = SongUNet.Small(resolution, channels, classes, modelChannels: modelChannels, generator: new Generator(2));
        var expected = EdmStateDict.Of(resolution, channels, channels, modelChannels, new[] { 1, 2, 2 }, 4, 2, new[] { resolution / 4 },
            mapInputs: 2 * modelChannels, labelDim: classes);
        AssertStateDictIs(net, expected);
        Assert.Equal(count, EdmStateDict.ParameterCount(expected));
        Assert.Contains($"enc.{resolution / 2}x{resolution / 2}_down.conv0.resample_filter", net.state_dict().Keys);
        Assert.Contains($"dec.{resolution / 4}x{resolution / 4}_in0.qkv.weight", net.state_dict().Keys);

        // Float32 shapes, u = 0 at initialisation (the output convolution starts at zero), value and tangent.
        var g = Seeded(3);
        var z = randn(new long[] { 3, channels, resolution, resolution }, generator: g);
        var t = rand(new long[] { 3 }, generator: g);
        var r = t * 0.5f;
        var labels = classes > 0 ? tensor(new long[] { 0, classes, 3 }) : null;
        var u = net.AverageVelocity(z, r, t, labels);
        Assert.Equal(z.shape, u.shape);
        Assert.Equal(0.0, u.abs().max().ToDouble());
        var tangent = InputTangent.AlongTrajectory(randn(new long[] { 2, channels, resolution, resolution }, generator: g));
        using var output = net.AverageVelocityWithTangent(z, r, t, labels, tangent);
        Assert.Equal(z.shape, output.Value.shape);
        Assert.Equal(new long[] { 2, channels, resolution, resolution }, output.Tangent.shape);
        Assert.True(output.Value.requires_grad);
        Assert.False(output.Tangent.requires_grad);
    }

    [Fact]
    public void DefaultOptionsAreTheOfficialCifar10Configuration()
    {
        var o = new SongUNetOptions(32, 3);
        Assert.Equal((32, 3, 3, 128, 4, 4, 0.2, 2, 1.0, 10000.0, 0, 1, QkvLayout.Stacked, 512, 256),
            (o.Resolution, o.InChannels, o.OutChannels, o.ModelChannels, o.EmbeddingMultiplier, o.BlocksPerResolution, o.Dropout,
             o.NoiseMultiplier, o.TimeScale, o.MaxPeriod, o.Classes, o.AttentionHeads, o.QkvLayout, o.EmbeddingChannels, o.NoiseChannels));
        Assert.Equal(new[] { 2, 2, 2 }, o.ChannelMultipliers);
        Assert.Equal(new[] { 16 }, o.AttentionResolutions);
        Assert.Equal(new[] { 1.0, 3, 3, 1 }, o.ResampleFilter);
        Assert.Equal(MeanFlow.Fields.TimeConditioning.TimeAndInterval, o.Conditioning);
        using var cifar10 = SongUNet.MeanFlowCifar10(device: new Device(DeviceType.META));
        var preset = cifar10.Options;
        Assert.Equal(o.Layout.Encoder.Concat(o.Layout.Decoder), preset.Layout.Encoder.Concat(preset.Layout.Decoder));
    }

    [Fact]
    public void TwentyEightPixelsDownsampleTo14And7()
    {
        using var net = SongUNet.Small(device: new Device(DeviceType.META));
        var o = net.Options;
        Assert.Equal(new[] { "28x28_conv", "28x28_block0", "28x28_block1", "14x14_down", "14x14_block0", "14x14_block1",
            "7x7_down", "7x7_block0", "7x7_block1" }, o.Layout.Encoder.Select(e => e.Name));
        Assert.Equal(new[] { "7x7_in0", "7x7_in1", "7x7_block0", "7x7_block1", "7x7_block2", "14x14_up", "14x14_block0",
            "14x14_block1", "14x14_block2", "28x28_up", "28x28_block0", "28x28_block1", "28x28_block2", "28x28_aux_norm", "28x28_aux_conv" },
            o.Layout.Decoder.Select(e => e.Name));
        Assert.Equal(new[] { "7x7_block0", "7x7_block1", "7x7_in0", "7x7_block2" },
            o.Layout.Encoder.Concat(o.Layout.Decoder).Where(e => e.Attention).Select(e => e.Name));
    }

    [Fact]
    public void PresetsPassTheirArgumentsThrough()
    {
        var meta = new Device(DeviceType.META);
        using var small = SongUNet.Small(32, 3, 10, MeanFlow.Fields.TimeConditioning.TimeAndStart, 16, 1, timeScale: 1000, device: meta);
        var o = small.Options;
        Assert.Equal((32, 3, 10, MeanFlow.Fields.TimeConditioning.TimeAndStart, 16, 1, 1000.0),
            (o.Resolution, o.InChannels, o.Classes, o.Conditioning, o.ModelChannels, o.BlocksPerResolution, o.TimeScale));
        using var cifar10 = SongUNet.MeanFlowCifar10(classes: 10, timeScale: 5, device: meta);
        Assert.Equal((10, 5.0), (cifar10.Options.Classes, cifar10.Options.TimeScale));
    }

    [Fact]
    public void ConvertingTheNetworkConvertsTheResamplingFilters()
    {
        // Built in float32, moved to float64 with Module.to: parameters and the resample_filter buffers follow, and
        // the result equals a network built in float64 with the same weights.
        using var net = new SongUNet(UNetTestNets.TinyOptions(), new Generator(4));
        net.to(ScalarType.Float64);
        Assert.All(net.state_dict().Values, v => Assert.Equal(ScalarType.Float64, v.dtype));
        using var reference = new SongUNet(UNetTestNets.TinyOptions(), dtype: ScalarType.Float64);
        reference.load_state_dict(net.state_dict());
        net.eval();
        reference.eval();
        var (z, r, t) = UNetTestNets.Inputs(2, 5);
        Assert.True(Identical(net.AverageVelocity(z, r, t), reference.AverageVelocity(z, r, t)));
    }
}
