using System.Linq;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Layers;
using MeanFlow.Models.Tests.Checkpoints;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static MeanFlow.Models.Tests.Imf.ImfTestModels;
using static MeanFlow.Tests.TestTensors;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Imf;

/// <summary>The official converted checkpoint layout (keys prefixed <c>net.</c>, with and without the v-head blocks)
/// loads and reproduces the PyTorch outputs of Fixtures/make_imf_fixtures.py, which implements the official imfDiT.</summary>
public sealed class ImprovedMeanFlowDiTCheckpointTests(ITestOutputHelper output)
{
    [Fact]
    public void TheFullCheckpointLoadsEveryKeyAndReproducesBothHeadsInFloat64()
    {
        using var model = new ImprovedMeanFlowDiT(FixtureConfig(), new Generator(1), dtype: ScalarType.Float64);
        var result = StateDictFile.Load(model, Fixtures.File("imf_dit_tiny.pt"), ImprovedMeanFlowDiT.ConvertedCheckpointOptions);
        Assert.Equal(model.state_dict().Count, result.LoadedKeys.Count);
        var io = Io();
        using var heads = model.Velocities(io["z"], io["r"], io["t"], io["y"], GuidanceOf(io));
        Assert.True(io["u"].abs().max().ToDouble() > 0.1 && io["v"].abs().max().ToDouble() > 0.1);
        AssertClose(heads.Average, io["u"], 1e-12, "u against PyTorch (float64)");
        AssertClose(heads.Instantaneous, io["v"], 1e-12, "v against PyTorch (float64)");
        output.WriteLine($"float64: u {RelativeError(heads.Average, io["u"]):E2}, v {RelativeError(heads.Instantaneous, io["v"]):E2}");
    }

    [Fact]
    public void TheInferenceCheckpointLoadsWithoutTheVHeadBlocks()
    {
        using var model = Loaded(instantaneousHead: false);
        Assert.False(model.HasInstantaneousHead);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("v_heads.", System.StringComparison.Ordinal));
        var io = Io();
        using var heads = model.Velocities(io["z"], io["r"], io["t"], io["y"], GuidanceOf(io));
        AssertClose(heads.Average, io["u"], 1e-12, "u of the inference variant");
        AssertClose(heads.Instantaneous, io["v_inference"], 1e-12, "v of the inference variant: v_final_layer on the trunk");
        // u alone, skipping the v path, is the same u.
        Assert.True(Identical(model.AverageVelocity(io["z"], io["r"], io["t"], io["y"], GuidanceOf(io)), heads.Average));
    }

    [Fact]
    public void InFloat32BothHeadsAgreeWithPyTorchToRoundOff()
    {
        // Measured: ours 2.7e-7 and 2.9e-7 relative for u and v, PyTorch's own float32 2.8e-7 and 3.2e-7 (tolerance: Float32RoundOff).
        using var model = Loaded(ScalarType.Float32);
        var io = Io();
        using var heads = model.Velocities(io["z"].to(ScalarType.Float32), io["r"].to(ScalarType.Float32), io["t"].to(ScalarType.Float32),
            io["y"], GuidanceOf(io, ScalarType.Float32));
        Float32RoundOff.AssertAgrees(heads.Average, io, "u", output);
        Float32RoundOff.AssertAgrees(heads.Instantaneous, io, "v", output);
    }

    [Fact]
    public void ForwardModeJvpOfBothHeadsEqualsPyTorchsJvp()
    {
        // PyTorch took the JVP of both heads with respect to (z, r, t) along (v, 0, 1), the network seeing h = t − r.
        using var model = Loaded();
        var io = Io();
        long b = io["z"].shape[0];
        var zero = zeros(b, dtype: ScalarType.Float64);
        var one = ones(b, dtype: ScalarType.Float64);
        var (u, v) = model.ForwardHeads(new Dual(io["z"], io["jvp_dz"]), new Dual(io["r"], zero), new Dual(io["t"], one), io["y"], GuidanceOf(io));
        Assert.True(io["du_dt"].abs().max().ToDouble() > 1e-3 && io["dv_dt"].abs().max().ToDouble() > 1e-3);
        AssertClose(u.Primal, io["u"], 1e-12, "u");
        AssertClose(u.Tangent!, io["du_dt"], 1e-12, "du/dt against PyTorch's forward-mode AD");
        AssertClose(v.Tangent!, io["dv_dt"], 1e-12, "dv/dt against PyTorch's forward-mode AD");
        output.WriteLine($"du/dt {RelativeError(u.Tangent!, io["du_dt"]):E2}, dv/dt {RelativeError(v.Tangent!, io["dv_dt"]):E2}");

        // The contract's entry point gives the same u-tangent.
        var (value, averageTangent) = model.VelocitiesWithTangent(io["z"], io["r"], io["t"], io["y"], GuidanceOf(io),
            MeanFlow.Jvp.InputTangent.AlongTrajectory(io["jvp_dz"]));
        Assert.True(Identical(value.Average, u.Primal) && Identical(value.Instantaneous, v.Primal));
        Assert.True(Identical(averageTangent, u.Tangent!));
    }

    [Fact]
    public void AMismatchedCheckpointIsRefusedWithItsKeysListed()
    {
        // The full file into a model without v-head blocks: the v_heads.* keys are unexpected, nothing is loaded.
        using var inference = new ImprovedMeanFlowDiT(FixtureConfig(instantaneousHead: false), new Generator(1), dtype: ScalarType.Float64);
        var before = inference.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var e = Assert.Throws<StateDictMismatchException>(() =>
            StateDictFile.Load(inference, Fixtures.File("imf_dit_tiny.pt"), ImprovedMeanFlowDiT.ConvertedCheckpointOptions));
        Assert.Empty(e.MissingKeys);
        Assert.Equal(2 * 13, e.UnexpectedKeys.Count);                      // 2 blocks × 13 tensors
        Assert.All(e.UnexpectedKeys, k => Assert.StartsWith("v_heads.", k.Key));
        Assert.Contains("v_heads.1.mlp.w2._flax_linear.weight [8, 21]", e.Message);
        Assert.All(inference.state_dict(), p => Assert.True(Identical(p.Value, before[p.Key]), p.Key));

        // Without removing the prefix, every key differs; the message says so in numbers and lists keys.
        using var model = new ImprovedMeanFlowDiT(FixtureConfig(), new Generator(1), dtype: ScalarType.Float64);
        e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(model, Fixtures.File("imf_dit_tiny.pt")));
        Assert.Equal(model.state_dict().Count, e.MissingKeys.Count);
        Assert.Equal(model.state_dict().Count, e.UnexpectedKeys.Count);
        Assert.Contains(e.UnexpectedKeys, k => k.Key == "net.time_tokens");
        Assert.Contains($"{e.MissingKeys.Count} missing, {e.UnexpectedKeys.Count} unexpected", e.Message);

        // Another width: every block tensor is mis-shaped.
        using var wider = new ImprovedMeanFlowDiT(new ImprovedMeanFlowDiTConfig(ImageSize, Channels, 2, 12, 4, 2, Classes, auxHeadDepth: 2,
            classTokens: 4, timeTokens: 2, guidanceTokens: 3, intervalTokens: 2), new Generator(1), dtype: ScalarType.Float64);
        e = Assert.Throws<StateDictMismatchException>(() =>
            StateDictFile.Load(wider, Fixtures.File("imf_dit_tiny.pt"), ImprovedMeanFlowDiT.ConvertedCheckpointOptions));
        Assert.Contains(e.MismatchedKeys, m => m.Key == "shared_blocks.0.attn.q_proj._flax_linear.weight");
    }

    [Fact]
    public void TheStateDictHasTheOfficialKeysInTheOfficialShapes()
    {
        // The layout table of the fixture script (imf_layout) is the file's key set; here: every file key is ours and shaped alike.
        using var model = new ImprovedMeanFlowDiT(FixtureConfig(), new Generator(1), dtype: ScalarType.Float64);
        var saved = StateDictFile.Read(Fixtures.File("imf_dit_tiny.pt"));
        var own = model.state_dict();
        Assert.Equal(saved.Keys.Select(k => k["net.".Length..]).OrderBy(k => k, System.StringComparer.Ordinal),
            own.Keys.OrderBy(k => k, System.StringComparer.Ordinal));
        Assert.All(saved, p => Assert.Equal(p.Value.shape, own[p.Key["net.".Length..]].shape));
    }
}
