using MeanFlow.Fields;
using MeanFlow.Jvp;
using MeanFlow.Paths;

namespace MeanFlow.Tests.Jvp;

public class JvpEngineAgreementTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EnginesAgreeWithClosedFormTangentOfGaussianField(bool cosine)
    {
        using var scope = NewDisposeScope();
        var field = new DiagonalGaussianField(new[] { 1.5, -0.5, 0.25 }, new[] { 0.3, 1.2, 0.0 }, cosine ? new CosineSchedule() : null);
        var g = new Generator(7);
        var z = randn(new long[] { 16, 3 }, dtype: float64, generator: g);
        var t = rand(16, dtype: float64, generator: g) * 0.8 + 0.2;
        var r = t * rand(16, dtype: float64, generator: g) * 0.9;
        var tangent = new InputTangent(randn(new long[] { 10, 3 }, dtype: float64, generator: g),
            randn(10, dtype: float64, generator: g), randn(10, dtype: float64, generator: g));

        var exact = new ForwardModeJvp().Compute(field, z, r, t, null, tangent);
        var doubleBackward = new DoubleBackwardJvp().Compute(field, z, r, t, null, tangent);
        var finite = new FiniteDifferenceJvp().Compute(field, z, r, t, null, tangent);

        TestTensors.AssertClose(doubleBackward.Tangent, exact.Tangent, 1e-9, "double backward");
        TestTensors.AssertClose(finite.Tangent, exact.Tangent, 1e-7, "finite differences");
        TestTensors.AssertClose(doubleBackward.Value, exact.Value, 1e-15, "value");
    }
}
