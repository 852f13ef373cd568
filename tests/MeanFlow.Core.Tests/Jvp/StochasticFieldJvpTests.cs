using System;
using System.Linq;
using System.Threading.Tasks;
using MeanFlow.Internal;
using MeanFlow.Jvp;
using MeanFlow.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Jvp;

/// <summary>
/// Every engine differentiates the function that produced the value, for plain user modules with dropout and with
/// <c>scaled_dot_product_attention</c> (float64): the reference fixes the value's own dropout mask explicitly.
/// </summary>
public class StochasticFieldJvpTests
{
    private const int Rows = 12, Leading = 5;

    private static (Tensor Z, Tensor R, Tensor T, InputTangent Tangent) Inputs(long dimension, ulong seed)
    {
        var g = new Generator(seed);
        var z = randn(new long[] { Rows, dimension }, dtype: float64, generator: g);
        var t = rand(Rows, dtype: float64, generator: g) * 0.8 + 0.2;
        var r = t * rand(Rows, dtype: float64, generator: g);
        var tangent = new InputTangent(randn(new long[] { Leading, dimension }, dtype: float64, generator: g),
            randn(Leading, dtype: float64, generator: g), randn(Leading, dtype: float64, generator: g));
        return (z, r, t, tangent);
    }

    public static TheoryData<string> Engines() => new() { "double-backward", "finite-differences" };

    private static IJvpEngine Engine(string name) => name == "double-backward" ? new DoubleBackwardJvp() : new FiniteDifferenceJvp();

    private static double Tolerance(string name) => name == "double-backward" ? 1e-12 : 1e-7;

    [Theory]
    [MemberData(nameof(Engines))]
    public void DropoutModuleGetsTheJvpOfTheValuesOwnMask(string engine)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var field = new DropoutMlpField(dimension: 3, width: 32, p: 0.5, seed: 2);
        var (z, r, t, tangent) = Inputs(3, 5);

        var result = Engine(engine).Compute(field, z, r, t, null, tangent);

        var mask = field.FirstMask!;
        Assert.InRange(mask.mean().ToDouble(), 0.2, 0.8);                   // the mask really drops units
        var (value, expected) = field.WithFixedMask(z, r, t, tangent.Z, tangent.R, tangent.T);
        TestTensors.AssertClose(result.Value, value, 1e-14, "value is u of the recorded mask");
        TestTensors.AssertClose(result.Tangent, expected, Tolerance(engine), $"{engine} tangent of the value's mask");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void AttentionModuleWithDropoutGetsTheJvpOfTheValuesOwnMask(string engine)
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        const int tokens = 4, width = 6;
        var field = new AttentionField(tokens, width, p: 0.3, seed: 3);
        var (z, r, t, tangent) = Inputs(tokens * width, 6);

        var result = Engine(engine).Compute(field, z, r, t, null, tangent);

        using (no_grad())
            TestTensors.AssertClose(result.Value, field.WithFixedMask(z, r, t, Rows), 1e-13, "value is u of the recorded mask");
        // The explicit function is deterministic, so its JVP is unambiguous; take it by the two-forward identity.
        var expected = DoubleBackward.Jvp(xs => field.WithFixedMask(xs[0], xs[1], xs[2], Leading),
            new[] { z.narrow(0, 0, Leading), r.narrow(0, 0, Leading), t.narrow(0, 0, Leading) },
            new[] { tangent.Z, tangent.R, tangent.T });
        TestTensors.AssertClose(result.Tangent, expected, Tolerance(engine), $"{engine} tangent of the value's mask");
    }

    [Fact]
    public void TheValueKeepsItsGraphToTheParameters()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var field = new DropoutMlpField(dimension: 3, width: 16, p: 0.25, seed: 4);
        var (z, r, t, tangent) = Inputs(3, 7);
        var result = new DoubleBackwardJvp().Compute(field, z, r, t, null, tangent);
        result.Value.square().sum().backward();
        var engineGradients = field.parameters().Select(p => p.grad!.clone()).ToArray();

        field.zero_grad();
        var (value, _) = field.WithFixedMask(z, r, t, tangent.Z, tangent.R, tangent.T);
        value.square().sum().backward();
        foreach (var (p, g) in field.parameters().Zip(engineGradients))
            TestTensors.AssertClose(g, p.grad!, 1e-13, "parameter gradient through the value");
    }

    [Fact]
    public void FiniteDifferencesLeaveTheGlobalGeneratorWhereTheValueLeftIt()
    {
        using var scope = NewDisposeScope();
        var field = new DropoutMlpField(dimension: 3, width: 16, p: 0.5, seed: 4);
        var (z, r, t, tangent) = Inputs(3, 8);
        manual_seed(21);
        using (no_grad()) field.AverageVelocity(z, r, t);
        var expected = rand(8, dtype: float64);
        manual_seed(21);
        new FiniteDifferenceJvp().Compute(field, z, r, t, null, tangent);
        Assert.True(TestTensors.Identical(rand(8, dtype: float64), expected), "the next draw differs");
    }
}
