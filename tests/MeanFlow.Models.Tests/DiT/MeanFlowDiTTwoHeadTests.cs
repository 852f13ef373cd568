using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.DiT;
using MeanFlow.Models.Layers;
using MeanFlow.Models.Tests.Checkpoints;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static MeanFlow.Models.Testing.TangentCheck;
using static MeanFlow.Tests.TestTensors;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.DiT;

/// <summary>The MeanFlow DiT with the ω embedder and the u/v output layers of haidog-yaqub/MeanFlow's current MFDiT
/// (Fixtures/make_imf_fixtures.py, section 3): its checkpoint loads and reproduces u, v and du/dt.</summary>
public sealed class MeanFlowDiTTwoHeadTests(ITestOutputHelper output)
{
    /// <summary>The fixture's MFDiT: 4×4×2, patch 2, dim 8, depth 2, 2 heads, MLP ratio 4, 3 classes, (t, r) embedders,
    /// w_embedder of ω / max_cfg with max_cfg = 4, final_layer_u and final_layer_v.</summary>
    private static MeanFlowDiTConfig Config(bool instantaneousHead = true, GuidanceInputs guidance = GuidanceInputs.Scale) =>
        new(4, 2, 2, 8, 2, 2, classes: 3, conditioning: TimeConditioning.TimeAndStart, guidance: guidance, maxGuidanceScale: 4.0,
            instantaneousHead: instantaneousHead);

    private static MeanFlowDiT Loaded(ScalarType dtype = ScalarType.Float64)
    {
        var model = new MeanFlowDiT(Config(), new Generator(1), dtype: dtype);
        var result = StateDictFile.Load(model, Fixtures.File("mfdit_imf_tiny.pt"));
        Assert.Equal(model.state_dict().Count, result.LoadedKeys.Count);
        return model;
    }

    private static System.Collections.Generic.Dictionary<string, Tensor> Io() => StateDictFile.Read(Fixtures.File("mfdit_imf_tiny_io.pt"));

    /// <summary>MFDiT's w: ω per row on the interval [0, 1] (MFDiT has no interval input).</summary>
    private static GuidanceConditions Guidance(Tensor w) =>
        new(w, zeros_like(w), ones_like(w));

    [Fact]
    public void TheCheckpointReproducesBothHeadsInFloat64()
    {
        using var model = Loaded();
        var io = Io();
        Assert.Equal(4.0, io["max_cfg"].ToDouble());
        // MFDiT.forward(x, t, r, y, w): our order is (z, r, t).
        using var heads = model.Velocities(io["z"], io["r"], io["t"], io["y"], Guidance(io["w"]));
        Assert.True(io["u"].abs().max().ToDouble() > 0.1 && io["v"].abs().max().ToDouble() > 0.1);
        AssertClose(heads.Average, io["u"], 1e-12, "u against PyTorch");
        AssertClose(heads.Instantaneous, io["v"], 1e-12, "v against PyTorch");
        output.WriteLine($"float64: u {RelativeError(heads.Average, io["u"]):E2}, v {RelativeError(heads.Instantaneous, io["v"]):E2}");
    }

    [Fact]
    public void InFloat32BothHeadsAgreeWithPyTorchToRoundOff()
    {
        // Measured: ours 5.1e-6 and 2.3e-6 relative for u and v, PyTorch's own float32 5.2e-6 and 2.6e-6 (the ×1000 time scale
        // costs float32 digits in the embedding); tolerance: Float32RoundOff.
        using var model = Loaded(ScalarType.Float32);
        var io = Io();
        var f = ScalarType.Float32;
        using var heads = model.Velocities(io["z"].to(f), io["r"].to(f), io["t"].to(f), io["y"], Guidance(io["w"].to(f)));
        Float32RoundOff.AssertAgrees(heads.Average, io, "u", output);
        Float32RoundOff.AssertAgrees(heads.Instantaneous, io, "v", output);
    }

    [Fact]
    public void TheForwardModeJvpEqualsPyTorchsAndDoubleBackward()
    {
        // meanflow.py: jvp of u(z, t, r) along (v_c, 1, 0), i.e. our (dz, dr, dt) = (v_c, 0, 1).
        using var model = Loaded();
        var io = Io();
        long b = io["z"].shape[0];
        var (u, v) = model.ForwardHeads(new Dual(io["z"], io["jvp_dz"]), new Dual(io["r"], zeros(b, dtype: ScalarType.Float64)),
            new Dual(io["t"], ones(b, dtype: ScalarType.Float64)), io["y"], Guidance(io["w"]));
        Assert.True(io["du_dt"].abs().max().ToDouble() > 1e-3);
        AssertClose(u.Tangent!, io["du_dt"], 1e-12, "du/dt against PyTorch");
        output.WriteLine($"du/dt {RelativeError(u.Tangent!, io["du_dt"]):E2}");

        // Both heads, general tangents, against double backward on the C# side (labels and ω follow the rows).
        var (y, w) = (io["y"], io["w"]);
        for (var head = 0; head < 2; head++)
        {
            var which = head;
            TangentIsExactForAllRowCounts(xs =>
            {
                var n = xs[0].Rows;
                var heads = model.ForwardHeads(xs[0], xs[1], xs[2], y.narrow(0, 0, n), Guidance(w.narrow(0, 0, n)));
                return which == 0 ? heads.Average : heads.Instantaneous;
            }, new[] { io["z"], io["r"], io["t"] });
        }
    }

    [Fact]
    public void TheIntervalEmbeddersAreTangentExactAndChangeTheOutput()
    {
        using var model = new MeanFlowDiT(Config(guidance: GuidanceInputs.ScaleAndInterval), new Generator(3), dtype: ScalarType.Float64);
        var g = new Generator(4);
        using (no_grad())
            foreach (var p in model.parameters()) p.add_(randn(p.shape, dtype: p.dtype, generator: g).mul_(0.3));
        Assert.Contains("t_min_embedder.mlp.0.weight", model.state_dict().Keys);
        var z = randn(new long[] { 4, 2, 4, 4 }, dtype: ScalarType.Float64, generator: g);
        var t = tensor(new[] { 0.9, 0.6, 0.4, 1.0 });
        var r = tensor(new[] { 0.2, 0.6, 0.1, 0.0 });
        var guidance = new GuidanceConditions(tensor(new[] { 2.0, 1.0, 3.5, 1.5 }), tensor(new[] { 0.1, 0.0, 0.3, 0.2 }), tensor(new[] { 0.8, 1.0, 0.6, 0.9 }));
        TangentIsExactForAllRowCounts(xs =>
        {
            var n = xs[0].Rows;
            var rows = new GuidanceConditions(guidance.Scale.narrow(0, 0, n), guidance.IntervalStart.narrow(0, 0, n), guidance.IntervalEnd.narrow(0, 0, n));
            return model.ForwardHeads(xs[0], xs[1], xs[2], null, rows).Average;
        }, new[] { z, r, t });
        var other = new GuidanceConditions(guidance.Scale, guidance.IntervalStart, guidance.IntervalEnd - 0.05);
        Assert.True((model.Velocities(z, r, t, null, other).Average - model.Velocities(z, r, t, null, guidance).Average).abs().max().ToDouble() > 1e-4,
            "t_max must reach u");
    }

    [Fact]
    public void OldAndNewLayoutsRefuseEachOthersCheckpointsListingTheKeys()
    {
        // The earlier MFDiT checkpoint (final_layer, no w_embedder) into the two-head model …
        using var twoHead = new MeanFlowDiT(Config(), new Generator(1), dtype: ScalarType.Float64);
        var e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(twoHead, Fixtures.File("mfdit_tiny.pt")));
        Assert.Equal(new[] { "final_layer_u.", "final_layer_v.", "w_embedder." },
            e.MissingKeys.Select(k => k.Key[..(k.Key.IndexOf('.') + 1)]).Distinct().OrderBy(k => k, StringComparer.Ordinal));
        Assert.All(e.UnexpectedKeys, k => Assert.StartsWith("final_layer.", k.Key));
        Assert.Contains("w_embedder.mlp.0.weight [8, 256]", e.Message);

        // … and the current checkpoint into the original single-head model.
        using var single = new MeanFlowDiT(Config(instantaneousHead: false, guidance: GuidanceInputs.None), new Generator(1), dtype: ScalarType.Float64);
        e = Assert.Throws<StateDictMismatchException>(() => StateDictFile.Load(single, Fixtures.File("mfdit_imf_tiny.pt")));
        Assert.All(e.MissingKeys, k => Assert.StartsWith("final_layer.", k.Key));
        Assert.Equal(new[] { "final_layer_u.", "final_layer_v.", "w_embedder." },
            e.UnexpectedKeys.Select(k => k.Key[..(k.Key.IndexOf('.') + 1)]).Distinct().OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void ASingleHeadModelRefusesTheTwoHeadCalls()
    {
        using var model = new MeanFlowDiT(Config(instantaneousHead: false), new Generator(1), dtype: ScalarType.Float64);
        Assert.False(model.HasInstantaneousHead);
        var z = zeros(2, 2, 4, 4, dtype: ScalarType.Float64);
        var t = full(2, 0.5, dtype: ScalarType.Float64);
        var e = Assert.Throws<InvalidOperationException>(() => model.Velocities(z, t, t, null, GuidanceConditions.None(2, ScalarType.Float64, CPU)));
        Assert.Contains("instantaneousHead: true", e.Message);
        // Its single-head view works, and with a w_embedder it is evaluated at ω = 1.
        model.AverageVelocity(z, t, t).Dispose();
    }

    [Fact]
    public void TheSingleHeadViewIsUAtOmegaOne()
    {
        using var model = Loaded();
        var io = Io();
        var u = model.AverageVelocity(io["z"], io["r"], io["t"], io["y"]);
        using var heads = model.Velocities(io["z"], io["r"], io["t"], io["y"], Guidance(ones_like(io["w"])));
        Assert.True(Identical(u, heads.Average));
        Assert.False(Identical(u, model.Velocities(io["z"], io["r"], io["t"], io["y"], Guidance(io["w"])).Average), "ω must reach u");
    }
}
