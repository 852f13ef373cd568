using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Jvp;

/// <summary>
/// The double-backward engine's two-head path (what improved MeanFlow uses for a field without forward mode)
/// differentiates the very function that produced the value: one forward pass gives both heads and the u-head's JVP,
/// so a field with dropout gets the JVP of the value's own mask (float64), as <see cref="StochasticFieldJvpTests"/>
/// shows for single-head fields. The reference fixes the recorded mask explicitly and is checked in closed form and
/// by central finite differences; the two-pass option (<c>deterministicField: true</c>) draws a second mask and must
/// disagree, so the test can fail.
/// </summary>
public class GuidedStochasticFieldJvpTests
{
    private const int Rows = 12, Leading = 5, Dimension = 3;

    private static (Tensor Z, Tensor R, Tensor T, GuidanceConditions Guidance, InputTangent Tangent) Inputs(ulong seed)
    {
        var g = new Generator(seed);
        var z = randn(new long[] { Rows, Dimension }, dtype: float64, generator: g);
        var t = rand(Rows, dtype: float64, generator: g) * 0.8 + 0.2;
        var r = t * rand(Rows, dtype: float64, generator: g);
        var start = rand(Rows, dtype: float64, generator: g) * 0.5;
        var guidance = new GuidanceConditions(1 + 3 * rand(Rows, dtype: float64, generator: g), start, start + 0.5);
        var tangent = new InputTangent(randn(new long[] { Leading, Dimension }, dtype: float64, generator: g),
            randn(Leading, dtype: float64, generator: g), randn(Leading, dtype: float64, generator: g));
        return (z, r, t, guidance, tangent);
    }

    [Fact]
    public void DropoutFieldGetsTheJvpOfTheValuesOwnMaskOnBothHeads()
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        var field = new DropoutGuidedField(Dimension, width: 32, p: 0.5, seed: 2);
        var (z, r, t, guidance, tangent) = Inputs(5);

        var result = new DoubleBackwardJvp().Compute(field, z, r, t, null, guidance, tangent);

        Assert.InRange(field.FirstMask!.mean().ToDouble(), 0.2, 0.8);        // the mask really drops units
        var (u, v, expected) = field.WithFixedMask(z, r, t, guidance, tangent.Z, tangent.R, tangent.T);
        TestTensors.AssertClose(result.Value.Average, u, 1e-14, "u is the recorded mask's");
        TestTensors.AssertClose(result.Value.Instantaneous, v, 1e-14, "v is the recorded mask's");
        TestTensors.AssertClose(result.AverageTangent, expected, 1e-12, "double-backward tangent of the value's mask");

        // Central finite differences of the fixed-mask function agree with the closed form (float64, step 1e-6).
        const double h = 1e-6;
        Tensor Shifted(double s) => field.WithFixedMask(
            cat(new[] { z.narrow(0, 0, Leading) + s * tangent.Z, z.narrow(0, Leading, Rows - Leading) }),
            cat(new[] { r.narrow(0, 0, Leading) + s * tangent.R, r.narrow(0, Leading, Rows - Leading) }),
            cat(new[] { t.narrow(0, 0, Leading) + s * tangent.T, t.narrow(0, Leading, Rows - Leading) }),
            guidance, tangent.Z, tangent.R, tangent.T).Average.narrow(0, 0, Leading);
        using (no_grad())
            TestTensors.AssertClose(result.AverageTangent, (Shifted(h) - Shifted(-h)) / (2 * h), 1e-7, "finite differences of the value's mask");

        // The two-pass option evaluates the tangent rows again, with another mask: its JVP is not this value's.
        var twoPass = new DoubleBackwardJvp(deterministicField: true).Compute(field, z, r, t, null, guidance, tangent);
        Assert.True(TestTensors.RelativeError(twoPass.AverageTangent, expected) > 1e-3, "a second forward pass should see another mask");
    }

    [Fact]
    public void BothHeadsKeepTheirGraphToTheParameters()
    {
        using var scope = NewDisposeScope();
        manual_seed(32);
        var field = new DropoutGuidedField(Dimension, width: 16, p: 0.25, seed: 4);
        var (z, r, t, guidance, tangent) = Inputs(7);
        var result = new DoubleBackwardJvp().Compute(field, z, r, t, null, guidance, tangent);
        (result.Value.Average.square().sum() + result.Value.Instantaneous.pow(3).sum()).backward();
        var engineGradients = field.parameters().Select(p => p.grad!.clone()).ToArray();

        field.zero_grad();
        var (u, v, _) = field.WithFixedMask(z, r, t, guidance, tangent.Z, tangent.R, tangent.T);
        (u.square().sum() + v.pow(3).sum()).backward();
        foreach (var (p, g) in field.parameters().Zip(engineGradients))
            TestTensors.AssertClose(g, p.grad!, 1e-13, "parameter gradient through both heads");
    }
}
