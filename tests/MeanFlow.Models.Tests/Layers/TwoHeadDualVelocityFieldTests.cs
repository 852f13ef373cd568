using MeanFlow.Fields;
using MeanFlow.Jvp;
using MeanFlow.Models.DiT;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Layers;
using MeanFlow.Models.UNet;

namespace MeanFlow.Models.Tests.Layers;

/// <summary>
/// The two-head entry points that <see cref="TwoHeadDualVelocityField"/> writes once, on each backbone that derives from
/// it (the MeanFlow DiT and the U-Net with their iMF options, the iMF DiT; tiny, 3 classes, float64, all parameters
/// perturbed): every entry point, Forward on pairs included, refuses an out-of-range label with the same <see cref="ArgumentOutOfRangeException"/>,
/// refuses null guidance, and the single-head calls agree bit for bit with the two-head calls.
/// </summary>
public sealed class TwoHeadDualVelocityFieldTests
{
    private const int Classes = 3, Rows = 3;

    public static TheoryData<string> Backbones() => new() { "mfdit", "unet", "imf" };

    private static TwoHeadDualVelocityField Build(string name, bool instantaneousHead = true)
    {
        var g = new Generator(7);
        TwoHeadDualVelocityField field = name switch
        {
            "mfdit" => new MeanFlowDiT(new MeanFlowDiTConfig(4, 2, 2, 8, 2, 2, Classes, guidance: GuidanceInputs.ScaleAndInterval,
                instantaneousHead: instantaneousHead), g, dtype: ScalarType.Float64),
            "unet" => new SongUNet(new SongUNetOptions(8, 2, modelChannels: 8, channelMultipliers: new[] { 1, 2 }, embeddingMultiplier: 2,
                blocksPerResolution: 1, attentionResolutions: new[] { 4 }, noiseMultiplier: 1, classes: Classes, attentionHeads: 2,
                guidance: GuidanceInputs.ScaleAndInterval, instantaneousHead: instantaneousHead), g, dtype: ScalarType.Float64),
            _ => new ImprovedMeanFlowDiT(new ImprovedMeanFlowDiTConfig(8, 2, 2, 8, 2, 2, Classes, auxHeadDepth: 1,
                instantaneousHead: instantaneousHead), g, dtype: ScalarType.Float64),
        };
        using (no_grad())
            foreach (var p in field.parameters()) p.add_(randn(p.shape, dtype: ScalarType.Float64, generator: g).mul_(0.3));
        field.eval();
        return field;
    }

    private static (Tensor Z, Tensor R, Tensor T, GuidanceConditions Guidance) Inputs(string name)
    {
        var g = new Generator(11);
        long size = name == "mfdit" ? 4 : 8;
        var z = randn(new long[] { Rows, 2, size, size }, dtype: ScalarType.Float64, generator: g);
        var t = rand(Rows, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(Rows, dtype: ScalarType.Float64, generator: g);
        var start = rand(Rows, dtype: ScalarType.Float64, generator: g) * 0.5;
        return (z, r, t, new GuidanceConditions(1 + 3 * rand(Rows, dtype: ScalarType.Float64, generator: g), start, start + 0.5));
    }

    [Theory]
    [MemberData(nameof(Backbones))]
    public void EveryEntryPointRefusesALabelOutOfRangeNamingTheRange(string name)
    {
        using var scope = NewDisposeScope();
        using var field = Build(name);
        var (z, r, t, guidance) = Inputs(name);
        var tangent = InputTangent.AlongTrajectory(zeros(2, 2, z.shape[2], z.shape[3], dtype: ScalarType.Float64));
        foreach (var bad in new[] { -1L, Classes + 1 })
        {
            var labels = tensor(new[] { 0L, bad, 1L });
            var calls = new (string Call, Action Run)[]
            {
                ("AverageVelocity", () => field.AverageVelocity(z, r, t, labels)),
                ("AverageVelocityWithTangent", () => field.AverageVelocityWithTangent(z, r, t, labels, tangent)),
                ("AverageVelocity(guidance)", () => field.AverageVelocity(z, r, t, labels, guidance)),
                ("InstantaneousVelocity", () => field.InstantaneousVelocity(z, t, labels, guidance)),
                ("Velocities", () => field.Velocities(z, r, t, labels, guidance)),
                ("VelocitiesWithTangent", () => field.VelocitiesWithTangent(z, r, t, labels, guidance, tangent)),
                ("ForwardHeads", () => field.ForwardHeads(new Dual(z), new Dual(r), new Dual(t), labels, guidance)),
                ("Forward", () => field.Forward(new Dual(z), new Dual(r), new Dual(t), labels)),
            };
            foreach (var (call, run) in calls)
            {
                var e = Assert.Throws<ArgumentOutOfRangeException>(run);
                Assert.Equal("labels", e.ParamName);
                Assert.True(e.Message.Contains($"[0, {Classes}]", StringComparison.Ordinal) &&
                    e.Message.Contains(bad < 0 ? $"from {bad} to 1" : $"from 0 to {bad}", StringComparison.Ordinal), $"{call}: {e.Message}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backbones))]
    public void NullGuidanceIsRefusedByEveryGuidedEntryPoint(string name)
    {
        using var scope = NewDisposeScope();
        using var field = Build(name);
        var (z, r, t, _) = Inputs(name);
        var tangent = InputTangent.AlongTrajectory(zeros(2, 2, z.shape[2], z.shape[3], dtype: ScalarType.Float64));
        var calls = new Action[]
        {
            () => field.AverageVelocity(z, r, t, null, null!),
            () => field.InstantaneousVelocity(z, t, null, null!),
            () => field.Velocities(z, r, t, null, null!),
            () => field.VelocitiesWithTangent(z, r, t, null, null!, tangent),
            () => field.ForwardHeads(new Dual(z), new Dual(r), new Dual(t), null, null!),
        };
        foreach (var run in calls) Assert.Equal("guidance", Assert.Throws<ArgumentNullException>(run).ParamName);
    }

    [Theory]
    [MemberData(nameof(Backbones))]
    public void TheSingleHeadCallsEqualTheTwoHeadCallsBitForBit(string name)
    {
        using var scope = NewDisposeScope();
        using var field = Build(name);
        var (z, r, t, guidance) = Inputs(name);
        var labels = tensor(new[] { 0L, Classes, 2L });   // row 1: the null class
        var both = field.Velocities(z, r, t, labels, guidance);
        Assert.True(both.Average.abs().max().ToDouble() > 1e-3 && both.Instantaneous.abs().max().ToDouble() > 1e-3, "heads are not trivially zero");
        Assert.True(Identical(field.AverageVelocity(z, r, t, labels, guidance), both.Average), "u alone");
        var (u, v) = field.ForwardHeads(new Dual(z), new Dual(r), new Dual(t), labels, guidance);
        Assert.True(Identical(u.Primal, both.Average) && Identical(v.Primal, both.Instantaneous), "ForwardHeads");
        var atT = field.Velocities(z, t, t, labels, guidance).Instantaneous;
        Assert.True(Identical(field.InstantaneousVelocity(z, t, labels, guidance), atT), "v alone");
        Assert.False(Identical(field.AverageVelocity(z, r, t, labels, GuidanceConditions.None(Rows, ScalarType.Float64, CPU)), both.Average),
            "the guidance must reach u");
    }

    [Theory]
    [MemberData(nameof(Backbones))]
    public void WithoutAVHeadTheVCallsAreRefusedOrAnsweredAsTheBackboneStates(string name)
    {
        using var scope = NewDisposeScope();
        using var field = Build(name, instantaneousHead: false);
        var (z, r, t, guidance) = Inputs(name);
        Assert.False(field.HasInstantaneousHead);
        field.AverageVelocity(z, r, t, null, guidance);   // the u-head alone always works
        var calls = new Action[]
        {
            () => field.InstantaneousVelocity(z, t, null, guidance),
            () => field.Velocities(z, r, t, null, guidance),
            () => field.VelocitiesWithTangent(z, r, t, null, guidance, InputTangent.AlongTrajectory(z.narrow(0, 0, 1))),
            () => field.ForwardHeads(new Dual(z), new Dual(r), new Dual(t), null, guidance),
        };
        foreach (var run in calls)
        {
            if (name == "imf")
                run();   // v_final_layer on the trunk, as upstream's inference checkpoints compute it
            else
                Assert.Contains("instantaneousHead: true", Assert.Throws<InvalidOperationException>(run).Message, StringComparison.Ordinal);
        }
    }
}
