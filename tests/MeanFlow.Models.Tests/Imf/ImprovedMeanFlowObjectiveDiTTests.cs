using System.Collections.Generic;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Jvp;
using MeanFlow.Losses;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Tests.Checkpoints;
using MeanFlow.Objectives;
using Xunit;
using Xunit.Abstractions;
using static MeanFlow.Models.Tests.Imf.ImfTestModels;
using static MeanFlow.Tests.TestTensors;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Imf;

/// <summary>The iMF objective with the iMF DiT against one loss evaluation of the official imf.py step with its random
/// draws given (Fixtures/imf_loss_tiny.pt, written by make_imf_fixtures.py on the model of imf_dit_tiny.pt): every
/// intermediate and the loss to 1e-12 (float64), the listed parameter gradients to 1e-8, with both JVP engines.</summary>
public sealed class ImprovedMeanFlowObjectiveDiTTests(ITestOutputHelper output)
{
    private static Dictionary<string, Tensor> Fixture() => StateDictFile.Read(Fixtures.File("imf_loss_tiny.pt"));

    private static GuidedObjectiveBatch Batch(Dictionary<string, Tensor> f) =>
        new(f["x"], f["e"], f["r"], f["t"], f["y"], f["drop"], f["omega"], f["t_min"], f["t_max"]);

    private static ImprovedMeanFlowObjective Objective(Dictionary<string, Tensor> f, IGuidedJvpEngine engine) =>
        new(weighting: new AdaptiveLossWeighting(f["norm_p"].ToDouble(), f["norm_eps"].ToDouble()), jvp: engine,
            guidance: new GuidanceConditionSampler(nullClass: Classes));

    public static IEnumerable<object[]> Engines() => new[] { new object[] { "forward" }, new object[] { "double-backward" } };

    private static IGuidedJvpEngine Engine(string name) => name == "forward" ? new ForwardModeJvp() : new DoubleBackwardJvp();

    [Theory]
    [MemberData(nameof(Engines))]
    public void EveryIntermediateAndTheLossEqualTheOfficialStep(string engine)
    {
        using var scope = NewDisposeScope();
        using var model = Loaded();
        var f = Fixture();
        using var result = Objective(f, Engine(engine)).Compute(model, Batch(f));
        Assert.Equal(3, result.DistinctRows);
        void Close(Tensor ours, string key) => AssertClose(ours, f[key], 1e-12, $"{engine}: {key}");
        Close(result.Average, "u");
        Close(result.Instantaneous, "v");
        Close(result.GuidedVelocity, "v_g");
        Close(result.Compound, "V");
        Close(result.Compound.sub(result.GuidedVelocity).square().sum(new long[] { 1, 2, 3 }), "sq_u");
        Close(result.Instantaneous.sub(result.GuidedVelocity).square().sum(new long[] { 1, 2, 3 }), "sq_v");
        AssertClose(result.AverageLoss, f["loss_u"].mean(), 1e-12, "the u-loss");
        AssertClose(result.InstantaneousLoss, f["loss_v"].mean(), 1e-12, "the v-loss");
        AssertClose(result.Loss, f["loss"], 1e-12, "the loss");
        output.WriteLine($"{engine}: loss {result.Loss.ToDouble():R} vs {f["loss"].ToDouble():R}, relative {RelativeError(result.Loss, f["loss"]):E2}; " +
                         $"V {RelativeError(result.Compound, f["V"]):E2}, v_g {RelativeError(result.GuidedVelocity, f["v_g"]):E2}");
    }

    [Fact]
    public void TheFixturesOtherIntermediatesAreWhatTheModelGives()
    {
        // The quantities the objective keeps to itself, recomputed with the model from their definitions in imf.py:
        // z_t, the v-head at r = t (conditional with the masked ω, unconditional at ω = 1, both on [0, 1]) and du/dt along v_c.
        using var scope = NewDisposeScope();
        using var model = Loaded();
        var f = Fixture();
        var (x, e, t, r) = (f["x"], f["e"], f["t"], f["r"]);
        var col = t.reshape(-1, 1, 1, 1);
        var z = (1 - col) * x + col * e;
        AssertClose(z, f["z"], 1e-15, "z_t");
        AssertClose(e - x, f["v_t"], 1e-15, "v_t");
        var omegaMasked = where((t >= f["t_min"]) & (t <= f["t_max"]), f["omega"], ones_like(t));
        Assert.True(Identical(omegaMasked, f["omega_masked"]));
        var b = t.shape[0];
        GuidanceConditions On01(Tensor omega) => new(omega, zeros(b, dtype: ScalarType.Float64), ones(b, dtype: ScalarType.Float64));
        var nullLabels = full(b, (long)Classes, dtype: ScalarType.Int64);
        AssertClose(model.Velocities(z, t, t, f["y"], On01(omegaMasked)).Instantaneous, f["v_c"], 1e-12, "v_c");
        AssertClose(model.Velocities(z, t, t, f["y"], On01(f["omega"])).Instantaneous, f["v_c_fm"], 1e-12, "v_c of the flow-matching rows");
        AssertClose(model.Velocities(z, t, t, nullLabels, On01(ones(b, dtype: ScalarType.Float64))).Instantaneous, f["v_u"], 1e-12, "v_u");
        Assert.True(Identical(where(f["drop"], nullLabels, f["y"]), f["y_dropped"]));
        var guidance = new GuidanceConditions(f["omega"], f["t_min"], f["t_max"]);
        var (_, du) = model.VelocitiesWithTangent(z, r, t, f["y_dropped"], guidance, InputTangent.AlongTrajectory(f["v_c"]));
        AssertClose(du, f["du_dt"], 1e-12, "du/dt along (v_c, 0, 1)");
    }

    [Fact]
    public void TheParameterGradientsEqualPyTorchsForBothEngines()
    {
        using var scope = NewDisposeScope();
        var f = Fixture();
        var keys = f.Keys.Where(k => k.StartsWith("grad.net.", System.StringComparison.Ordinal)).ToArray();
        Assert.Equal(5, keys.Length);
        var gradients = new Dictionary<string, Tensor[]>();
        foreach (var name in new[] { "forward", "double-backward" })
        {
            using var model = Loaded();
            model.zero_grad();
            using var result = Objective(f, Engine(name)).Compute(model, Batch(f));
            result.Loss.backward();
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            gradients[name] = keys.Select(k => parameters[k["grad.net.".Length..]].grad!.clone()).ToArray();
            for (var i = 0; i < keys.Length; i++)
            {
                Assert.True(f[keys[i]].abs().max().ToDouble() > 0);
                AssertClose(gradients[name][i], f[keys[i]], 1e-8, $"{name}: {keys[i]}");
                output.WriteLine($"{name} {keys[i]}: {RelativeError(gradients[name][i], f[keys[i]]):E2}");
            }
        }
        for (var i = 0; i < keys.Length; i++)
            AssertClose(gradients["forward"][i], gradients["double-backward"][i], 1e-8, $"engines agree on {keys[i]}");
    }
}
