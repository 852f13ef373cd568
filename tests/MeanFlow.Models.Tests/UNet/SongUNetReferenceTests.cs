using static MeanFlow.Models.Tests.Layers.Float64Inputs;
using static MeanFlow.Models.Tests.UNet.UNetTestNets;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>The U-Net computes EDM's SongUNet (with py-meanflow's two-time embedding) on its own weights: compared
/// with <see cref="EdmReference"/>, a functional transcription of networks.py evaluated on the state dict.</summary>
public sealed class SongUNetReferenceTests
{
    [Theory]
    [InlineData(QkvLayout.Stacked, false)]
    [InlineData(QkvLayout.Interleaved, true)]
    public void TinyNetworkEqualsTheFunctionalReference(QkvLayout layout, bool conditional)
    {
        using var generator = new Generator(1);
        var options = TinyOptions(classes: conditional ? Classes : 0, layout: layout);
        using var net = Perturbed(options, generator);
        net.eval();
        var (z, r, t) = Inputs(3, 2);
        var labels = conditional ? Labels(2, Classes, 0) : null;
        var oneHot = conditional ? tensor(new double[,] { { 0, 0, 1 }, { 0, 0, 0 }, { 1, 0, 0 } }) : null;
        var weights = net.state_dict();
        var expected = EdmReference.Forward(weights, options, z, new[] { t, t - r }, oneHot);
        AssertClose(net.AverageVelocity(z, r, t, labels), expected, 1e-12, "U-Net vs EDM reference");
    }

    [Fact]
    public void SmallPresetEqualsTheFunctionalReference()
    {
        // Three levels (28 → 14 → 7), filter [1, 1], two blocks per level, (t, r) conditioning, time scale 1.
        using var generator = new Generator(3);
        var net = SongUNet.Small(28, 1, conditioning: TimeConditioning.TimeAndStart, generator: generator, dtype: ScalarType.Float64);
        var options = net.Options;
        using (no_grad())
            foreach (var p in net.parameters()) p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: generator).mul_(0.05));
        net.eval();
        var g = Seeded(4);
        var z = Normal(g, 2, 1, 28, 28);
        var t = rand(new long[] { 2 }, dtype: ScalarType.Float64, generator: g);
        var r = t * 0.3;
        var expected = EdmReference.Forward(net.state_dict(), options, z, new[] { t, r }, null);
        AssertClose(net.AverageVelocity(z, r, t), expected, 1e-12, "small U-Net vs EDM reference");
        net.Dispose();
    }
}
