using MeanFlow.Guidance;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Docs;

/// <summary>The code of docs/articles/backbones-unet.md (the article includes the region), compiled and run.</summary>
public sealed class UNetSnippetTests
{
    [Fact]
    public void SmallUNetTrainsAStepAndSamplesInOne()
    {
        using var scope = NewDisposeScope();
        #region unet
        using var generator = new Generator(0);
        using var net = SongUNet.Small(28, 1, generator: generator);    // 1,757,089 parameters, 28 → 14 → 7
        var images = rand(new long[] { 4, 1, 28, 28 }, generator: generator) * 2 - 1;   // (B, 1, 28, 28) in [-1, 1]

        var objective = new MeanFlowObjective();                         // picks the forward-mode JVP for this field
        var output = objective.Compute(net, images, generator: generator);
        output.Loss.backward();

        net.eval();
        var noise = randn(new long[] { 4, 1, 28, 28 }, generator: generator);
        var samples = new MeanFlowSampler().Sample(net, noise);          // one step: x = ε − u(ε, 0, 1)
        #endregion

        Assert.Equal(1_757_089L, net.parameters().Sum(p => p.numel()));
        var loss = output.Loss.ToDouble();
        Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
        // u = 0 at initialisation (the last convolution is zero), so the untrained one-step sample is the noise.
        Assert.True(Identical(samples, noise), "x = ε − u(ε, 0, 1) with u = 0");
        // And the first gradient reaches that convolution and nothing else.
        var reachedNames = new List<string>();
        foreach (var (name, parameter) in net.named_parameters())
        {
            var reached = parameter.grad is { } g && g.abs().max().ToDouble() > 0;
            Assert.True(reached == name.StartsWith("dec.28x28_aux_conv."), $"{name}: gradient reached = {reached}");
            if (reached) reachedNames.Add(name);
        }
        Assert.Equal(new[] { "dec.28x28_aux_conv.weight", "dec.28x28_aux_conv.bias" }, reachedNames);
    }

    [Fact]
    public void TwoHeadUNetTrainsAnImprovedMeanFlowStepAndSamplesAtAnyGuidance()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(0);
        var images = rand(new long[] { 4, 1, 28, 28 }, generator: generator) * 2 - 1;   // (B, 1, 28, 28) in [-1, 1]
        var labels = tensor(new long[] { 3, 1, 4, 1 });
        #region unet-imf
        // Improved MeanFlow: 1 − 1/ω, t_min and t_max embedded like times, and a v-head beside the u output (class 10 = null).
        using var net = SongUNet.Small(28, 1, classes: 10, guidance: GuidanceInputs.ScaleAndInterval, instantaneousHead: true,
            generator: generator);                                       // 1,770,434 parameters
        var objective = new ImprovedMeanFlowObjective(guidance: new GuidanceConditionSampler(nullClass: 10));
        var output = objective.Compute(net, images, labels, generator);  // u-loss + v-loss, forward-mode JVP
        output.Loss.backward();

        net.eval();
        var noise = randn(new long[] { 4, 1, 28, 28 }, generator: generator);
        var samples = new MeanFlowSampler().SampleGuided(net, noise, labels, scale: 2.0, intervalStart: 0.1, intervalEnd: 0.9);
        var u = net.AverageVelocity(noise, zeros(4), ones(4), labels, GuidanceConditions.Constant(4, 2.0, 0.1, 0.9, ScalarType.Float32, CPU));
        #endregion

        Assert.Equal(1_770_434L, net.parameters().Sum(p => p.numel()));
        var loss = output.Loss.ToDouble();
        Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
        // Both output convolutions start at zero: u = 0, so the sample is the noise, and the first gradient reaches exactly them.
        Assert.True(Identical(samples, noise) && Identical(u, zeros_like(noise)));
        var reached = net.named_parameters().Where(p => p.parameter.grad is { } g && g.abs().max().ToDouble() > 0).Select(p => p.name).ToArray();
        Assert.Equal(new[] { "dec.28x28_aux_conv.weight", "dec.28x28_aux_conv.bias", "dec_v.28x28_aux_conv.weight", "dec_v.28x28_aux_conv.bias" }, reached);
    }
}
