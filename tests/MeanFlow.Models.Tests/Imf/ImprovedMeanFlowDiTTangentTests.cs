using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Layers;
using TorchSharp;
using Xunit;
using static MeanFlow.Models.Testing.TangentCheck;
using static MeanFlow.Models.Tests.Imf.ImfTestModels;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;
using static MeanFlow.Tests.TestTensors;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Imf;

/// <summary>The whole iMF DiT's forward-mode tangent, both heads, against double backward of its own plain forward pass
/// (float64, ≤ 1e-10), with general tangents (dz, dr, dt) on K = 0, 2 and B rows.</summary>
public sealed class ImprovedMeanFlowDiTTangentTests
{
    private static (Tensor Z, Tensor R, Tensor T, Tensor Labels, GuidanceConditions Guidance) Inputs(Generator g, long b)
    {
        var z = Normal(g, b, Channels, ImageSize, ImageSize);
        var t = rand(new[] { b }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new[] { b }, dtype: ScalarType.Float64, generator: g);
        var omega = rand(new[] { b }, dtype: ScalarType.Float64, generator: g).mul_(6).add_(1);
        var start = rand(new[] { b }, dtype: ScalarType.Float64, generator: g).mul_(0.5);
        var end = rand(new[] { b }, dtype: ScalarType.Float64, generator: g).mul_(0.5).add_(0.5);
        var labels = tensor(Enumerable.Range(0, (int)b).Select(i => (long)(i % (Classes + 1))).ToArray());
        return (z, r, t, labels, new GuidanceConditions(omega, start, end));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BothHeadsTangentsEqualTheDoubleBackwardJvp(bool instantaneousHead)
    {
        using var scope = NewDisposeScope();
        using var model = Loaded(instantaneousHead: instantaneousHead);
        var (z, r, t, labels, guidance) = Inputs(Seeded(5), 5);
        for (var head = 0; head < 2; head++)
        {
            var which = head;
            // The reference differentiates the plain call on the leading K rows: labels and guidance follow the rows given.
            TangentIsExactForAllRowCounts(xs =>
            {
                var n = xs[0].Rows;
                var rows = new GuidanceConditions(guidance.Scale.narrow(0, 0, n), guidance.IntervalStart.narrow(0, 0, n), guidance.IntervalEnd.narrow(0, 0, n));
                var heads = model.ForwardHeads(xs[0], xs[1], xs[2], labels.narrow(0, 0, n), rows);
                return which == 0 ? heads.Average : heads.Instantaneous;
            }, new[] { z, r, t });
        }
    }

    [Fact]
    public void TheSingleHeadViewIsUWithoutGuidanceAndItsTangentIsExact()
    {
        using var scope = NewDisposeScope();
        using var model = Loaded();
        var (z, r, t, labels, _) = Inputs(Seeded(6), 4);
        var none = GuidanceConditions.None(4, ScalarType.Float64, CPU);
        Assert.True(Identical(model.AverageVelocity(z, r, t, labels), model.Velocities(z, r, t, labels, none).Average));
        var tangent = new InputTangent(Normal(Seeded(7), 2, Channels, ImageSize, ImageSize), Normal(Seeded(8), 2), Normal(Seeded(9), 2));
        using var forward = new ForwardModeJvp().Compute(model, z, r, t, labels, tangent);
        using var exact = new DoubleBackwardJvp().Compute(model, z, r, t, labels, tangent);
        Assert.True(exact.Tangent.abs().max().ToDouble() > 1e-3);
        AssertClose(forward.Tangent, exact.Tangent, DefaultTolerance, "single-head view");
    }

    [Fact]
    public void UDependsOnTheIntervalHAndNotOnTAlone()
    {
        // The network sees h = t − r, not t: moving r and t together leaves u unchanged (tangent (0, 1, 1) gives 0).
        using var model = Loaded();
        var (z, r, t, labels, guidance) = Inputs(Seeded(10), 3);
        var (u, _) = model.ForwardHeads(new Dual(z, zeros_like(z)), new Dual(r, ones_like(r)), new Dual(t, ones_like(t)), labels, guidance);
        Assert.Equal(0.0, u.Tangent!.abs().max().ToDouble());
        // … and the guidance inputs matter: another ω changes u.
        var other = new GuidanceConditions(guidance.Scale + 1, guidance.IntervalStart, guidance.IntervalEnd);
        Assert.True((model.Velocities(z, r, t, labels, other).Average - u.Primal).abs().max().ToDouble() > 1e-3);
    }

    [Fact]
    public void ParameterGradientsDoNotDependOnTheTangentAndReachEveryParameter()
    {
        using var model = Loaded();
        var (z, r, t, labels, guidance) = Inputs(Seeded(11), 4);
        var weights = Normal(Seeded(12), 4, Channels, ImageSize, ImageSize);
        Tensor[] Gradients(InputTangent? tangent)
        {
            model.zero_grad();
            var heads = tangent is null ? model.Velocities(z, r, t, labels, guidance)
                : model.VelocitiesWithTangent(z, r, t, labels, guidance, tangent).Value;
            ((heads.Average + heads.Instantaneous) * weights).sum().backward();
            return model.parameters().Select(p => p.grad!.clone()).ToArray();
        }
        var plain = Gradients(null);
        var with = Gradients(new InputTangent(Normal(Seeded(13), 2, Channels, ImageSize, ImageSize), Normal(Seeded(14), 2), Normal(Seeded(15), 2)));
        for (var i = 0; i < plain.Length; i++)
        {
            Assert.True(Identical(plain[i], with[i]), $"parameter {i}'s gradient changes with a tangent");
            Assert.True(plain[i].abs().max().ToDouble() > 0, $"parameter {i} gets no gradient");
        }
    }
}
