using MeanFlow.Guidance;
using MeanFlow.Objectives;
using static MeanFlow.Models.Tests.DiT.DiTTestModels;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.DiT;

/// <summary>The MeanFlow loss trained through the DiT's own tangent gives the parameter gradients of the exact
/// double-backward engine, and no parameter is cut out of the graph.</summary>
public sealed class MeanFlowDiTGradientTests
{
    private const double GradientTolerance = 1e-8;

    public static IEnumerable<object[]> Cases() =>
        from mode in new[] { TimeConditioning.TimeAndInterval, TimeConditioning.TimeAndStart, TimeConditioning.TimeStartAndInterval, TimeConditioning.IntervalOnly }
        from labelled in new[] { false, true }
        select new object[] { mode, labelled };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossGradientsAgreeBetweenForwardModeAndDoubleBackward(TimeConditioning mode, bool labelled)
    {
        using var scope = NewDisposeScope();
        using var model = Create(mode, labelled ? Classes : 0, perturbation: 0.2);
        var batch = Batch(labelled);
        // With labels: classifier-free guidance trained into u (ω = 1.5, κ = 0.3), so the target also calls the field.
        ClassifierFreeGuidance? guidance = labelled ? new ClassifierFreeGuidance(nullClass: Classes, scale: 1.5, mixing: 0.3) : null;
        var forward = Gradients(model, new MeanFlowObjective(jvp: new ForwardModeJvp(), guidance: guidance), batch, out var forwardLoss, out var rows);
        var exact = Gradients(model, new MeanFlowObjective(jvp: new DoubleBackwardJvp(), guidance: guidance), batch, out var exactLoss, out _);
        Assert.Equal(3, rows);                                  // K = 3 of B = 6 rows needed the JVP
        Assert.Equal(exactLoss, forwardLoss, 1e-12);
        var names = model.named_parameters().Select(p => p.name).ToArray();
        Assert.Equal(names.Length, exact.Length);
        for (var i = 0; i < names.Length; i++)
        {
            Assert.True(exact[i] is not null && forward[i] is not null, $"{names[i]} receives no gradient");
            Assert.True(exact[i]!.abs().max().ToDouble() > 0, $"{names[i]}'s gradient is zero: it does not influence the loss");
            AssertClose(forward[i]!, exact[i]!, GradientTolerance, names[i]);
        }
    }

    [Fact]
    public void AtInitialisationTheLossOnlyReachesTheFinalLayer()
    {
        // adaLN-Zero: with zero modulation and a zero output layer u = 0, and every path to the loss except the final
        // linear layer's own weight and bias goes through that zero weight: only they receive a non-zero gradient.
        using var scope = NewDisposeScope();
        using var model = Create(perturbation: 0);
        var batch = Batch(labelled: true);
        var gradients = Gradients(model, new MeanFlowObjective(jvp: new ForwardModeJvp(), guidance: new ClassifierFreeGuidance(Classes)), batch, out _, out _);
        var names = model.named_parameters().Select(p => p.name).ToArray();
        for (var i = 0; i < names.Length; i++)
        {
            var norm = gradients[i]?.abs().max().ToDouble() ?? 0;
            if (names[i].StartsWith("final_layer.linear.", System.StringComparison.Ordinal)) Assert.True(norm > 0, names[i]);
            else Assert.True(norm == 0, $"{names[i]} has gradient {norm} at initialisation");
        }
    }

    /// <summary>Six rows; rows 1, 3, 4 have r ≠ t (not leading, so the objective reorders them); rows 2 and 5 drop their label.</summary>
    private static ObjectiveBatch Batch(bool labelled)
    {
        var g = new Generator(17);
        var x = Normal(g, 6, Channels, ImageSize, ImageSize);
        var noise = Normal(g, 6, Channels, ImageSize, ImageSize);
        var t = tensor(new[] { 0.7, 0.9, 0.3, 0.6, 0.95, 0.2 }, dtype: ScalarType.Float64);
        var r = tensor(new[] { 0.7, 0.2, 0.3, 0.1, 0.5, 0.2 }, dtype: ScalarType.Float64);
        if (!labelled) return new ObjectiveBatch(x, noise, r: r, t: t);
        var labels = Labels(0, 1, 2, 0, 1, 2);
        var drop = tensor(new[] { false, false, true, false, false, true });
        return new ObjectiveBatch(x, noise, r: r, t: t, labels, drop);
    }

    private static Tensor?[] Gradients(MeanFlowDiT model, MeanFlowObjective objective, ObjectiveBatch batch, out double loss, out long rows)
    {
        model.zero_grad();
        using var output = objective.Compute(model, batch);
        output.Loss.backward();
        loss = output.Loss.ToDouble();
        rows = output.DistinctRows;
        return model.parameters().Select(p => p.grad?.clone()).ToArray();
    }
}
