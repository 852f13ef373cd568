using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>Tiny float64 U-Nets and inputs for exact checks: 8×8×2 images, two levels (8 → 4), one block per level,
/// attention with two heads at 4×4, resampling filter [1, 3, 3, 1], dropout 0.3, 16 channels at most.</summary>
internal static class UNetTestNets
{
    internal const int Resolution = 8, Channels = 2, Classes = 3;

    internal static SongUNetOptions TinyOptions(TimeConditioning conditioning = TimeConditioning.TimeAndInterval, int classes = 0,
        QkvLayout layout = QkvLayout.Stacked, double dropout = 0.3) =>
        new(Resolution, Channels, modelChannels: 8, channelMultipliers: new[] { 1, 2 }, embeddingMultiplier: 2, blocksPerResolution: 1,
            attentionResolutions: new[] { 4 }, dropout: dropout, noiseMultiplier: 1, conditioning: conditioning, classes: classes,
            attentionHeads: 2, qkvLayout: layout);

    /// <summary>A tiny network whose parameters are all perturbed (N(0, 0.1²) added), so that no path — in particular
    /// not the zero-initialised output convolution — hides a wrong tangent or a missing gradient.</summary>
    internal static SongUNet Perturbed(SongUNetOptions options, Generator generator)
    {
        var net = new SongUNet(options, generator, dtype: ScalarType.Float64);
        using (no_grad())
            foreach (var p in net.parameters())
                p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: generator).mul_(0.1));
        return net;
    }

    /// <summary>Inputs (z, r, t) with r ≤ t in [0, 1] and distinct rows.</summary>
    internal static (Tensor Z, Tensor R, Tensor T) Inputs(long rows, ulong seed)
    {
        var g = Seeded(seed);
        var z = Normal(g, rows, Channels, Resolution, Resolution);
        var t = rand(new[] { rows }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new[] { rows }, dtype: ScalarType.Float64, generator: g);
        return (z, r, t);
    }

    internal static Tensor Labels(params long[] values) => tensor(values, dtype: ScalarType.Int64);
}
