using static MeanFlow.Models.Tests.DiT.DiTTestModels;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.DiT;

/// <summary>The whole backbone's forward-mode tangent against Core's double-backward engine, which differentiates the
/// plain forward pass twice and shares no code with the layers' tangent formulas.</summary>
public sealed class MeanFlowDiTTangentTests
{
    public static IEnumerable<object[]> Cases() =>
        from mode in new[] { TimeConditioning.TimeAndInterval, TimeConditioning.TimeAndStart, TimeConditioning.TimeStartAndInterval, TimeConditioning.IntervalOnly }
        from labelled in new[] { false, true }
        from training in new[] { false, true }
        select new object[] { mode, labelled, training };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TangentEqualsTheDoubleBackwardJvp(TimeConditioning mode, bool labelled, bool training)
    {
        using var scope = NewDisposeScope();
        using var model = Create(mode, labelled ? Classes : 0);
        if (training) model.train(); else model.eval();
        var g = new Generator(42);
        const long b = 5;
        var (z, r, t) = Inputs(g, b);
        var labels = labelled ? Labels(0, 3, 1, 2, 3) : null;     // 3 is the null class
        foreach (var k in new long[] { 0, 2, b })
        {
            // A general tangent (dz, dr, dt), not only MeanFlow's (v, 0, 1), so that every time input is exercised.
            var tangent = new InputTangent(Normal(g, k, Channels, ImageSize, ImageSize), Normal(g, k), Normal(g, k));
            using var forward = new ForwardModeJvp().Compute(model, z, r, t, labels, tangent);
            using var exact = new DoubleBackwardJvp().Compute(model, z, r, t, labels, tangent);
            Assert.True(Identical(forward.Value, exact.Value), $"K = {k}: the value must be the plain forward pass, bit for bit");
            Assert.True(forward.Value.requires_grad, "the value must keep its autograd graph");
            Assert.False(forward.Tangent.requires_grad, "the tangent must carry no graph");
            Assert.Equal(new[] { k, Channels, ImageSize, ImageSize }, forward.Tangent.shape);
            if (k == 0) continue;
            Assert.True(exact.Tangent.abs().max().ToDouble() > 1e-3, "the reference JVP is (nearly) zero: the check could not fail");
            AssertClose(forward.Tangent, exact.Tangent, DefaultTolerance, $"{mode}, labels {labelled}, K = {k}");
        }
    }

    [Fact]
    public void EachTimeInputIsDifferentiatedSeparately()
    {
        // Tangents along r alone and along t alone: a mode that ignored r, or mixed up r and t − r, would fail here.
        using var scope = NewDisposeScope();
        foreach (var mode in new[] { TimeConditioning.TimeAndInterval, TimeConditioning.TimeAndStart, TimeConditioning.TimeStartAndInterval, TimeConditioning.IntervalOnly })
        {
            using var model = Create(mode);
            var g = new Generator(3);
            var (z, r, t) = Inputs(g, 3);
            var zero = zeros(3, dtype: ScalarType.Float64);
            var one = ones(3, dtype: ScalarType.Float64);
            var dz = zeros(3, Channels, ImageSize, ImageSize, dtype: ScalarType.Float64);
            foreach (var tangent in new[] { new InputTangent(dz, one, zero), new InputTangent(dz, zero, one) })
            {
                using var forward = new ForwardModeJvp().Compute(model, z, r, t, null, tangent);
                using var exact = new DoubleBackwardJvp().Compute(model, z, r, t, null, tangent);
                AssertClose(forward.Tangent, exact.Tangent, DefaultTolerance, mode.ToString());
            }
            // Along dr = dt the interval t − r is constant: in (t − r)-only mode u does not move at all.
            if (mode == TimeConditioning.IntervalOnly)
            {
                using var diagonal = new ForwardModeJvp().Compute(model, z, r, t, null, new InputTangent(dz, one, one));
                Assert.Equal(0.0, diagonal.Tangent.abs().max().ToDouble());
            }
        }
    }

    [Fact]
    public void ParameterGradientsOfTheValueDoNotDependOnTheTangent()
    {
        using var model = Create(TimeConditioning.TimeStartAndInterval);
        var g = new Generator(9);
        var (z, r, t) = Inputs(g, 4);
        var labels = Labels(0, 1, 2, 3);
        var weights = Normal(g, 4, Channels, ImageSize, ImageSize);
        Tensor[] Gradients(InputTangent? tangent)
        {
            model.zero_grad();
            var u = tangent is null ? model.AverageVelocity(z, r, t, labels) : model.AverageVelocityWithTangent(z, r, t, labels, tangent).Value;
            (u * weights).sum().backward();
            return model.parameters().Select(p => p.grad!.clone()).ToArray();
        }
        var plain = Gradients(null);
        var with = Gradients(new InputTangent(Normal(g, 2, Channels, ImageSize, ImageSize), Normal(g, 2), Normal(g, 2)));
        Assert.Equal(plain.Length, with.Length);
        for (var i = 0; i < plain.Length; i++) Assert.True(Identical(plain[i], with[i]), $"parameter {i}'s gradient changes with a tangent");
    }
}
