using MeanFlow.Models.UNet;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>The snippet at the top of docs/articles/backbones-unet.md, compiled and run.</summary>
public sealed class DocsExampleTests
{
    [Fact]
    public void TheArticlesExampleRuns()
    {
        var images = rand(new long[] { 4, 1, 28, 28 }, generator: new Generator(9)) * 2 - 1;

        // --- begin snippet ---
        using var generator = new Generator(0);
        using var net = SongUNet.Small(28, 1, generator: generator);    // 1,757,089 parameters, 28 → 14 → 7
        var objective = new MeanFlowObjective();                         // picks the forward-mode JVP for this field
        var output = objective.Compute(net, images, generator: generator);   // images: (B, 1, 28, 28) in [-1, 1]
        output.Loss.backward();

        net.eval();
        var samples = new MeanFlowSampler().Sample(net, randn(4, 1, 28, 28));    // one step: x = ε − u(ε, 0, 1)
        // --- end snippet ---

        Assert.True(double.IsFinite(output.Loss.ToDouble()));
        Assert.Equal(new long[] { 4, 1, 28, 28 }, samples.shape);
    }
}
