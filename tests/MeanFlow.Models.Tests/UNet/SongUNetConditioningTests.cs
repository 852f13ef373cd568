using static MeanFlow.Models.Tests.Layers.Float64Inputs;
using static MeanFlow.Models.Tests.UNet.UNetTestNets;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>Time and class conditioning: the embedding's closed form and the null class.</summary>
public sealed class SongUNetConditioningTests
{
    public static TheoryData<TimeConditioning> Conditionings() => new(Enum.GetValues<TimeConditioning>());

    [Theory]
    [MemberData(nameof(Conditionings))]
    public void TimeFeaturesAreEdmsPositionalEmbeddingOfEachInputSinFirst(TimeConditioning conditioning)
    {
        // [sin(s·τ·ω_j), cos(s·τ·ω_j)] per time input τ, ω_j = P^(−j/(h − 1)), j < h = 8 channels / 2, inputs in the
        // order of TimeConditioning.Inputs (for (t, t − r): t first), as py-meanflow's cat([emb_t, emb_h]).
        var options = new SongUNetOptions(8, 2, modelChannels: 8, channelMultipliers: new[] { 1, 2 }, blocksPerResolution: 1,
            noiseMultiplier: 1, conditioning: conditioning, timeScale: 3.0, maxPeriod: 50);
        using var net = new SongUNet(options, dtype: ScalarType.Float64);
        var t = tensor(new[] { 0.9, 0.4, 0.25 }, dtype: ScalarType.Float64);
        var r = tensor(new[] { 0.1, 0.4, 0.0 }, dtype: ScalarType.Float64);
        var features = net.TimeFeatures(new Dual(r), new Dual(t)).Primal;
        var inputs = conditioning switch
        {
            TimeConditioning.TimeAndInterval => new[] { t, t - r },
            TimeConditioning.TimeAndStart => new[] { t, r },
            TimeConditioning.TimeStartAndInterval => new[] { t, r, t - r },
            _ => new[] { t - r },
        };
        var omega = tensor(Enumerable.Range(0, 4).Select(j => Math.Pow(50, -j / 3.0)).ToArray(), dtype: ScalarType.Float64);
        var expected = cat(inputs.SelectMany(tau =>
        {
            var angles = (tau * 3.0).unsqueeze(1) * omega;
            return new[] { angles.sin(), angles.cos() };
        }).ToArray(), 1);
        Assert.Equal(new long[] { 3, 8 * conditioning.InputCount() }, features.shape);
        AssertClose(features, expected, 1e-15);
    }

    [Fact]
    public void MissingLabelsAreTheNullClassAndLabelsChangeTheOutput()
    {
        using var generator = new Generator(1);
        using var net = Perturbed(TinyOptions(classes: Classes), generator);
        net.eval();
        var (z, r, t) = Inputs(3, 2);
        var none = net.AverageVelocity(z, r, t);
        AssertClose(net.AverageVelocity(z, r, t, Labels(Classes, Classes, Classes)), none, 1e-15);
        var labelled = net.AverageVelocity(z, r, t, Labels(0, 1, 2));
        Assert.True((labelled - none).abs().max().ToDouble() > 1e-3, "labels must condition the output");
        // Row independence: a row's label changes only that row.
        var changed = net.AverageVelocity(z, r, t, Labels(0, 2, 2));
        AssertClose(changed.narrow(0, 0, 1), labelled.narrow(0, 0, 1), 1e-15);
        AssertClose(changed.narrow(0, 2, 1), labelled.narrow(0, 2, 1), 1e-15);
    }

    [Fact]
    public void EveryTimeInputConditionsTheOutput()
    {
        // With (t, t − r) the output depends on r (through t − r) and on t.
        using var generator = new Generator(3);
        using var net = Perturbed(TinyOptions(), generator);
        net.eval();
        var (z, r, t) = Inputs(2, 4);
        var u = net.AverageVelocity(z, r, t);
        Assert.True((net.AverageVelocity(z, r * 0.5, t) - u).abs().max().ToDouble() > 1e-4);
        Assert.True((net.AverageVelocity(z, r, t * 0.9) - u).abs().max().ToDouble() > 1e-4);
    }
}
