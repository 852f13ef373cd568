using MeanFlow.Fields;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Mlp;
using MeanFlow.Sampling;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Imf;

/// <summary>
/// The u-head alone (what <see cref="MeanFlowSampler.SampleGuided"/> calls) equals the u of both heads, for each field
/// that overrides it to skip its v-head (float64, ≤ 1e-12), with r, t, labels and guidance varying by row; and a network
/// that dropped its v-head blocks (an official "inference" checkpoint) samples with guidance: one step is z − u. (That the
/// sampler calls the u-head alone is tested in Core, GuidedSamplerTests.)
/// </summary>
public class GuidedAverageVelocityTests
{
    public static TheoryData<string> Fields() => new() { "dit", "mlp", "single-head" };

    [Theory]
    [MemberData(nameof(Fields))]
    public void TheUHeadAloneEqualsTheUOfBothHeads(string name)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        const int rows = 6, classes = 3;
        IGuidedVelocityField field = name switch
        {
            "dit" => RandomWeights(new ImprovedMeanFlowDiT(ImfTestModels.FixtureConfig(), g, dtype: float64), g),
            "mlp" => RandomWeights(new GuidedMlpVelocityField(2, width: 16, depth: 2, classes: classes).to(float64), g),
            _ => new SingleHeadGuidedField(RandomWeights(new MlpVelocityField(2, width: 16, depth: 2, classes: classes).to(float64), g)),
        };
        var z = name == "dit"
            ? randn(new long[] { rows, ImfTestModels.Channels, ImfTestModels.ImageSize, ImfTestModels.ImageSize }, dtype: float64, generator: g)
            : randn(new long[] { rows, 2 }, dtype: float64, generator: g);
        var t = rand(rows, dtype: float64, generator: g);
        var r = t * rand(rows, dtype: float64, generator: g);
        var labels = randint(0, classes + 1, new long[] { rows }, generator: g);
        var start = rand(rows, dtype: float64, generator: g) * 0.5;
        var guidance = new GuidanceConditions(1 + 4 * rand(rows, dtype: float64, generator: g), start, start + 0.5);

        var alone = field.AverageVelocity(z, r, t, labels, guidance);
        var both = field.Velocities(z, r, t, labels, guidance).Average;

        Assert.True(both.abs().max().ToDouble() > 1e-3, "u is not trivially zero");
        var error = (alone - both).abs().max().ToDouble() / both.abs().max().ToDouble();
        Assert.True(error <= 1e-12, $"relative error {error:E3}");
    }

    [Fact]
    public void ANetworkWithoutItsVHeadSamplesWithGuidance()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(6);
        var inference = RandomWeights(new ImprovedMeanFlowDiT(ImfTestModels.FixtureConfig().WithInstantaneousHead(false), g, dtype: float64), g);
        var noise = randn(new long[] { 3, ImfTestModels.Channels, ImfTestModels.ImageSize, ImfTestModels.ImageSize }, dtype: float64, generator: g);
        var labels = tensor(new long[] { 0, 1, 2 });

        var samples = new MeanFlowSampler(1).SampleGuided(inference, noise, labels, scale: 2.0, intervalStart: 0.1, intervalEnd: 0.8);

        var guidance = GuidanceConditions.Constant(3, 2.0, 0.1, 0.8, float64, noise.device);
        var expected = noise - inference.AverageVelocity(noise, zeros(3, dtype: float64), ones(3, dtype: float64), labels, guidance);
        Assert.True((samples - expected).abs().max().ToDouble() <= 1e-12);
        Assert.True(expected.sub(noise).abs().max().ToDouble() > 1e-3, "u is not trivially zero");
        Assert.False(inference.HasInstantaneousHead);
    }

    private static T RandomWeights<T>(T module, Generator g) where T : nn.Module
    {
        using (no_grad())
            foreach (var p in module.parameters()) p.copy_(randn(p.shape, dtype: float64, generator: g) * 0.3);   // non-zero heads
        return module;
    }
}
