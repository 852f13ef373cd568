using System.Linq;
using MeanFlow.Guidance;
using MeanFlow.Losses;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Tests;
using MeanFlow.Objectives;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;
using static MeanFlow.Models.Tests.UNet.UNetTestNets;
using static MeanFlow.Tests.TestTensors;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>The U-Net with the improved-MeanFlow options (guidance inputs 1 − 1/ω, t_min, t_max through
/// <c>map_guidance</c>; a v-head <c>dec_v</c>): default keys unchanged, both heads' tangents exact, guidance reaching
/// both heads, the iMF loss's gradients equal between JVP engines, and clear errors.</summary>
public sealed class SongUNetTwoHeadTests
{
    private static SongUNetOptions TwoHeadOptions(int classes = Classes, GuidanceInputs guidance = GuidanceInputs.ScaleAndInterval,
        bool instantaneousHead = true, double dropout = 0.3) =>
        new(Resolution, Channels, modelChannels: 8, channelMultipliers: new[] { 1, 2 }, embeddingMultiplier: 2, blocksPerResolution: 1,
            attentionResolutions: new[] { 4 }, dropout: dropout, noiseMultiplier: 1, classes: classes, attentionHeads: 2,
            guidance: guidance, instantaneousHead: instantaneousHead);

    private static GuidanceConditions Guidance(long rows) => new(
        tensor(new[] { 2.0, 1.0, 3.5, 1.5, 7.0, 1.2 }).narrow(0, 0, rows),
        tensor(new[] { 0.1, 0.0, 0.3, 0.2, 0.45, 0.0 }).narrow(0, 0, rows),
        tensor(new[] { 0.8, 1.0, 0.6, 0.9, 0.5, 1.0 }).narrow(0, 0, rows));

    [Fact]
    public void DefaultNetworksKeepTheirKeysAndTheNewOptionsOnlyAddTheirOwn()
    {
        foreach (var classes in new[] { 0, Classes })
        {
            using var plain = new SongUNet(TinyOptions(classes: classes), dtype: ScalarType.Float64);
            using var twoHead = new SongUNet(TwoHeadOptions(classes), dtype: ScalarType.Float64);
            var plainKeys = plain.state_dict().Keys.ToArray();
            Assert.DoesNotContain(plainKeys, k => k.StartsWith("map_guidance", StringComparison.Ordinal) || k.StartsWith("dec_v.", StringComparison.Ordinal));
            Assert.Equal(plainKeys, new SongUNet(TinyOptions(classes: classes)).state_dict().Keys);
            var added = twoHead.state_dict().Keys.Except(plainKeys).OrderBy(k => k, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "dec_v.8x8_aux_conv.bias", "dec_v.8x8_aux_conv.weight", "dec_v.8x8_aux_norm.bias", "dec_v.8x8_aux_norm.weight",
                "map_guidance.weight" }, added);
            Assert.Empty(plainKeys.Except(twoHead.state_dict().Keys));
            var shapes = twoHead.state_dict();
            Assert.Equal(new long[] { 16, 3 * 8 }, shapes["map_guidance.weight"].shape);   // emb 2·8 ← 3 inputs × 8 sinusoidal channels
            Assert.Equal(shapes["dec.8x8_aux_conv.weight"].shape, shapes["dec_v.8x8_aux_conv.weight"].shape);
            using var scaleOnly = new SongUNet(TwoHeadOptions(classes, GuidanceInputs.Scale, instantaneousHead: false));
            Assert.Equal(new long[] { 16, 8 }, scaleOnly.state_dict()["map_guidance.weight"].shape);
            Assert.DoesNotContain(scaleOnly.state_dict().Keys, k => k.StartsWith("dec_v.", StringComparison.Ordinal));
        }
        Assert.Equal(GuidanceInputs.None, new SongUNetOptions(32, 3).Guidance);
        Assert.False(new SongUNetOptions(32, 3).InstantaneousHead);
    }

    [Fact]
    public void TheSmallPresetsTwoHeadVariantAddsMapGuidanceAndTheVHead()
    {
        // Small(28, 1, classes: 10): 32 sinusoidal channels per input, embedding 128, 32 channels at full resolution.
        static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());
        var meta = new Device(DeviceType.META);
        using var plain = SongUNet.Small(28, 1, 10, device: meta);
        using var twoHead = SongUNet.Small(28, 1, 10, guidance: GuidanceInputs.ScaleAndInterval, instantaneousHead: true, device: meta);
        using var scaleOnly = SongUNet.Small(28, 1, 10, guidance: GuidanceInputs.Scale, device: meta);
        Assert.Equal(1_757_793, Count(plain));
        const long mapGuidance = 3 * 32 * 128, vHead = 2 * 32 + 32 * 1 * 3 * 3 + 1;   // 12,288 and 353
        Assert.Equal(1_757_793 + mapGuidance + vHead, Count(twoHead));
        Assert.Equal(1_770_434, Count(twoHead));
        Assert.Equal(1_757_793 + 32 * 128, Count(scaleOnly));
    }

    [Fact]
    public void AtInitialisationBothHeadsAreZero()
    {
        using var net = new SongUNet(TwoHeadOptions(), new Generator(1), dtype: ScalarType.Float64);
        var (z, r, t) = Inputs(4, 3);
        using var heads = net.Velocities(z, r, t, Labels(0, 1, 2, 3), Guidance(4));
        Assert.Equal(0.0, heads.Average.abs().max().ToDouble());
        Assert.Equal(0.0, heads.Instantaneous.abs().max().ToDouble());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BothHeadsTangentsEqualDoubleBackward(bool training)
    {
        using var generator = new Generator(1);
        using var net = Perturbed(TwoHeadOptions(), generator);
        net.train(training);
        var (z, r, t) = Inputs(4, 2);
        var labels = Labels(0, Classes, 2, 1);   // row 1: the null class
        var guidance = Guidance(4);
        for (var head = 0; head < 2; head++)
        {
            var which = head;
            Dual Heads(Dual[] xs)
            {
                var n = xs[0].Rows;
                var rows = new GuidanceConditions(guidance.Scale.narrow(0, 0, n), guidance.IntervalStart.narrow(0, 0, n), guidance.IntervalEnd.narrow(0, 0, n));
                var (u, v) = net.ForwardHeads(xs[0], xs[1], xs[2], labels.narrow(0, 0, n), rows);
                return which == 0 ? u : v;
            }
            // In training mode the reference must see the tangent pass's dropout masks: re-seeded before every call, and on all
            // B rows (a K-row reference would draw other masks); SongUNetTangentTests covers K < B with dropout for the trunk.
            var report = training
                ? TangentIsExact(Heads, new[] { z, r, t }, 4, beforeEachCall: () => generator.manual_seed(5))
                : TangentIsExactForAllRowCounts(Heads, new[] { z, r, t });
            Assert.True(report.Passed && report.MaxTangentError <= DefaultTolerance);
        }
    }

    [Fact]
    public void TheSingleHeadCallsAnswerUAtTheGivenGuidanceWithoutTheVHead()
    {
        using var net = Perturbed(TwoHeadOptions(), new Generator(2));
        net.eval();
        var (z, r, t) = Inputs(4, 4);
        var labels = Labels(2, 0, Classes, 1);
        using var guided = net.Velocities(z, r, t, labels, Guidance(4));
        Assert.True(Identical(net.AverageVelocity(z, r, t, labels, Guidance(4)), guided.Average));
        using var unguided = net.Velocities(z, r, t, labels, GuidanceConditions.None(4, ScalarType.Float64, CPU));
        Assert.True(Identical(net.AverageVelocity(z, r, t, labels), unguided.Average), "the IVelocityField view is u at ω = 1 on [0, 1]");
        var tangent = InputTangent.AlongTrajectory(Normal(Seeded(9), 2, Channels, Resolution, Resolution));
        var (value, du) = net.VelocitiesWithTangent(z, r, t, labels, Guidance(4), tangent);
        Assert.True(Identical(value.Average, guided.Average) && Identical(value.Instantaneous, guided.Instantaneous));
        var (pairU, _) = net.ForwardHeads(new Dual(z, tangent.Z), new Dual(r, tangent.R), new Dual(t, tangent.T), labels, Guidance(4));
        Assert.True(Identical(du, pairU.Tangent!));
        Assert.False(du.requires_grad);
    }

    [Fact]
    public void ATrainedTwoHeadStateDictLoadsWithoutItsVHeadForInference()
    {
        using var folder = new TempFolder();
        var path = folder.File("two-head.safetensors");
        using var trained = Perturbed(TwoHeadOptions(), new Generator(6));
        trained.eval();
        StateDictFile.Save(trained, path, StateDictFormat.Safetensors);

        using var inference = new SongUNet(TwoHeadOptions(instantaneousHead: false), new Generator(7), dtype: ScalarType.Float64);
        var strict = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(inference, path));
        Assert.Empty(strict.MissingKeys);
        Assert.All(strict.UnexpectedKeys, k => Assert.StartsWith("dec_v.8x8_aux_", k.Key));
        Assert.Equal(4, strict.UnexpectedKeys.Count);

        var result = StateDictFile.Load(inference, path, new StateDictLoadOptions(strict: false));
        Assert.Equal(inference.state_dict().Count, result.LoadedKeys.Count);
        inference.eval();
        var (z, r, t) = Inputs(4, 8);
        var labels = Labels(1, Classes, 0, 2);
        using var heads = trained.Velocities(z, r, t, labels, Guidance(4));
        Assert.True(Identical(inference.AverageVelocity(z, r, t, labels, Guidance(4)), heads.Average), "u without the v-head is the trained u");
    }

    [Fact]
    public void EveryGuidanceInputReachesBothHeadsAndOnlyTheEmbeddedOnes()
    {
        using var net = Perturbed(TwoHeadOptions(), new Generator(3));
        using var scaleOnly = Perturbed(TwoHeadOptions(guidance: GuidanceInputs.Scale), new Generator(3));
        net.eval();
        scaleOnly.eval();
        var (z, r, t) = Inputs(4, 5);
        var g = Guidance(4);
        var variants = new[]
        {
            new GuidanceConditions(g.Scale + 0.5, g.IntervalStart, g.IntervalEnd),
            new GuidanceConditions(g.Scale, g.IntervalStart + 0.05, g.IntervalEnd),
            new GuidanceConditions(g.Scale, g.IntervalStart, g.IntervalEnd - 0.05),
        };
        using var baseHeads = net.Velocities(z, r, t, null, g);
        using var baseScale = scaleOnly.Velocities(z, r, t, null, g);
        for (var i = 0; i < variants.Length; i++)
        {
            using var heads = net.Velocities(z, r, t, null, variants[i]);
            Assert.True((heads.Average - baseHeads.Average).abs().max().ToDouble() > 1e-4, $"input {i} must reach u");
            Assert.True((heads.Instantaneous - baseHeads.Instantaneous).abs().max().ToDouble() > 1e-4, $"input {i} must reach v");
            using var other = scaleOnly.Velocities(z, r, t, null, variants[i]);
            Assert.Equal(i == 0, !Identical(other.Average, baseScale.Average));   // GuidanceInputs.Scale ignores the interval
        }
    }

    [Fact]
    public void ImprovedMeanFlowLossGradientsAreEqualForBothEnginesAndReachEveryParameter()
    {
        const long b = 6;
        var g = Seeded(41);
        var x = Normal(g, b, Channels, Resolution, Resolution);
        var noise = Normal(g, b, Channels, Resolution, Resolution);
        var t = rand(new[] { b }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new[] { b }, dtype: ScalarType.Float64, generator: g);
        r[1] = t[1];   // flow-matching rows (r = t) mixed in
        r[4] = t[4];
        var labels = Labels(0, 2, 1, 1, 0, 2);
        var drop = tensor(new[] { false, false, true, false, false, true });
        var guide = Guidance(b);
        var batch = new GuidedObjectiveBatch(x, noise, r, t, labels, drop, guide.Scale, guide.IntervalStart, guide.IntervalEnd);

        (double Loss, Dictionary<string, Tensor> Gradients) Run(IGuidedJvpEngine engine)
        {
            // Dropout off: the double-backward engine's tangent pass would draw other masks than the value's.
            using var net = Perturbed(TwoHeadOptions(dropout: 0.0), new Generator(42));
            net.eval();
            var objective = new ImprovedMeanFlowObjective(weighting: new AdaptiveLossWeighting(1.0, 0.01), jvp: engine,
                guidance: new GuidanceConditionSampler(nullClass: Classes));
            using var output = objective.Compute(net, batch);
            output.Loss.backward();
            return (output.Loss.ToDouble(), net.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
        }

        var forward = Run(new ForwardModeJvp());
        var exact = Run(new DoubleBackwardJvp());
        Assert.Equal(forward.Loss, exact.Loss, 12);
        Assert.Equal(forward.Gradients.Keys, exact.Gradients.Keys);
        foreach (var (name, gradient) in forward.Gradients)
        {
            Assert.True(gradient.abs().max().ToDouble() > 0, $"{name} gets no gradient");
            AssertClose(gradient, exact.Gradients[name], 1e-8, name);
        }
        Assert.Contains("map_guidance.weight", forward.Gradients.Keys);
        Assert.Contains("dec_v.8x8_aux_conv.weight", forward.Gradients.Keys);
    }

    [Fact]
    public void BadOptionsAndGuidanceInputsAreRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SongUNetOptions(32, 3, guidance: (GuidanceInputs)5));
        Assert.Equal("guidance", e.ParamName);
        Assert.Contains("got 5", e.Message);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() => TwoHeadOptions(classes: -1)).ParamName);

        using var net = new SongUNet(TwoHeadOptions(), dtype: ScalarType.Float64);
        var (z, r, t) = Inputs(3, 1);
        var labels = Labels(0, 1, 2);
        var wrongRows = Assert.Throws<ArgumentException>(() => net.Velocities(z, r, t, labels, Guidance(2)));
        Assert.Equal("guidance", wrongRows.ParamName);
        Assert.Contains("3 rows", wrongRows.Message);
        Assert.Contains("got 2 rows", wrongRows.Message);
        var g = Guidance(3);
        var wrongDtype = Assert.Throws<ArgumentException>(() => net.Velocities(z, r, t, labels,
            new GuidanceConditions(g.Scale.to(ScalarType.Float32), g.IntervalStart.to(ScalarType.Float32), g.IntervalEnd.to(ScalarType.Float32))));
        Assert.Equal("guidance", wrongDtype.ParamName);
        Assert.Contains("Float32", wrongDtype.Message);
        var matrix = Assert.Throws<ArgumentException>(() => new GuidanceConditions(g.Scale, g.IntervalStart.reshape(3, 1), g.IntervalEnd));
        Assert.Equal("intervalStart", matrix.ParamName);
        Assert.Throws<ArgumentNullException>(() => net.Velocities(z, r, t, labels, null!));
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => net.Velocities(z, r, t, Labels(0, 4, 1), g));
        Assert.Equal("labels", outOfRange.ParamName);

        using var withoutHead = new SongUNet(TwoHeadOptions(instantaneousHead: false), dtype: ScalarType.Float64);
        Assert.False(withoutHead.HasInstantaneousHead);
        var missing = Assert.Throws<InvalidOperationException>(() => withoutHead.Velocities(z, r, t, labels, g));
        Assert.Contains("instantaneousHead: true", missing.Message);
        Assert.Throws<InvalidOperationException>(() => withoutHead.ForwardHeads(new Dual(z), new Dual(r), new Dual(t), labels, g));
        Assert.Equal(z.shape, withoutHead.AverageVelocity(z, r, t, labels, g).shape);   // u alone needs no v-head
    }

    [Fact]
    public void TheOneHotIsLibtorchsOneHotWithoutItsHostRead()
    {
        var labels = Labels(0, 3, 2, 1, 3, 0);
        var z = zeros(6, 1, dtype: ScalarType.Float64);
        var expected = nn.functional.one_hot(labels, 4).narrow(1, 0, 3).to(ScalarType.Float64);
        Assert.True(Identical(SongUNet.OneHot(labels, 3, z), expected));
        Assert.True(Identical(SongUNet.OneHot(null, 3, z), zeros(6, 3, dtype: ScalarType.Float64)));
    }
}
