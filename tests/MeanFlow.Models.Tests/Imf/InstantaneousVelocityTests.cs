using MeanFlow.Fields;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Mlp;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Imf;

/// <summary>
/// The v-head alone (what improved MeanFlow's no-gradient guidance and tangent pass calls) equals the v of both heads at
/// r = t, for each field that overrides it to skip its u-head (float64, ≤ 1e-12), with labels and guidance varying by row.
/// </summary>
public class InstantaneousVelocityTests
{
    public static TheoryData<string> Fields() => new() { "dit", "mlp", "single-head" };

    [Theory]
    [MemberData(nameof(Fields))]
    public void TheVHeadAloneEqualsTheVOfBothHeadsAtREqualsT(string name)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(4);
        const int rows = 6, classes = 3;
        IGuidedVelocityField field = name switch
        {
            "dit" => new ImprovedMeanFlowDiT(ImfTestModels.FixtureConfig(), g, dtype: float64),
            "mlp" => Double(new GuidedMlpVelocityField(2, width: 16, depth: 2, classes: classes)),
            _ => new SingleHeadGuidedField(Double(new MlpVelocityField(2, width: 16, depth: 2, classes: classes))),
        };
        if (field is ImprovedMeanFlowDiT dit)
            using (no_grad())
                foreach (var p in dit.parameters()) p.copy_(randn(p.shape, dtype: float64, generator: g) * 0.3);   // non-zero heads
        var z = name == "dit"
            ? randn(new long[] { rows, ImfTestModels.Channels, ImfTestModels.ImageSize, ImfTestModels.ImageSize }, dtype: float64, generator: g)
            : randn(new long[] { rows, 2 }, dtype: float64, generator: g);
        var t = rand(rows, dtype: float64, generator: g);
        var labels = randint(0, classes + 1, new long[] { rows }, generator: g);
        var start = rand(rows, dtype: float64, generator: g) * 0.5;
        var guidance = new GuidanceConditions(1 + 4 * rand(rows, dtype: float64, generator: g), start, start + 0.5);

        var alone = field.InstantaneousVelocity(z, t, labels, guidance);
        var both = field.Velocities(z, t, t, labels, guidance).Instantaneous;

        Assert.True(both.abs().max().ToDouble() > 1e-3, "v is not trivially zero");
        var error = (alone - both).abs().max().ToDouble() / both.abs().max().ToDouble();
        Assert.True(error <= 1e-12, $"relative error {error:E3}");
    }

    private static T Double<T>(T module) where T : nn.Module
    {
        module.to(float64);
        using (no_grad())
            foreach (var p in module.parameters()) p.normal_(0, 0.5);
        return module;
    }
}
