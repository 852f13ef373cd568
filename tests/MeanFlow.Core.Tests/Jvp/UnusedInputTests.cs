using MeanFlow.Fields;
using MeanFlow.Jvp;

namespace MeanFlow.Tests.Jvp;

/// <summary>
/// Fields that ignore some inputs must not crash the double-backward engine (a missing gradient ends the
/// process from native code unless requested with allow_unused and treated as zero).
/// </summary>
public class UnusedInputTests
{
    private sealed class IgnoresStart : IVelocityField
    {
        public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null) => z * t.unsqueeze(1).square();
    }

    private sealed class Constant : IVelocityField
    {
        public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null) => ones_like(z);
    }

    [Fact]
    public void FieldIgnoringStartTimeHasTheClosedFormTangent()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(1);
        var z = randn(new long[] { 6, 3 }, dtype: float64, generator: g);
        var t = rand(6, dtype: float64, generator: g);
        var r = t / 2;
        var tangent = new InputTangent(randn(new long[] { 4, 3 }, dtype: float64, generator: g),
            randn(4, dtype: float64, generator: g), randn(4, dtype: float64, generator: g));
        var result = new DoubleBackwardJvp().Compute(new IgnoresStart(), z, r, t, null, tangent);
        // d(z·t²) = dz·t² + 2·z·t·dt
        var tk = t.narrow(0, 0, 4).unsqueeze(1);
        var expected = tangent.Z * tk.square() + 2 * z.narrow(0, 0, 4) * tk * tangent.T.unsqueeze(1);
        TestTensors.AssertClose(result.Tangent, expected, 1e-14, "tangent");
    }

    [Fact]
    public void ConstantFieldHasZeroTangent()
    {
        using var scope = NewDisposeScope();
        var z = randn(5, 2).to(float64);
        var t = full(5, 0.5, dtype: float64);
        var result = new DoubleBackwardJvp().Compute(new Constant(), z, t / 2, t, null, InputTangent.AlongTrajectory(z.narrow(0, 0, 3)));
        Assert.True(TestTensors.Identical(result.Tangent, zeros(3, 2, dtype: float64)));
    }
}
