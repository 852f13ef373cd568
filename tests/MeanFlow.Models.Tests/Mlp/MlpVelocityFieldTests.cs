using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;

namespace MeanFlow.Models.Tests.Mlp;

public class MlpVelocityFieldTests
{
    private static MlpVelocityField Perturbed(TimeConditioning conditioning, int classes = 0)
    {
        manual_seed(3);
        var field = new MlpVelocityField(3, width: 16, depth: 3, conditioning: conditioning, classes: classes, timeScale: 5.0);
        field.to(float64);
        using (no_grad())
            foreach (var p in field.parameters()) p.add_(randn_like(p) * 0.1);   // leave the zero-initialised output
        return field;
    }

    private static double RelativeError(Tensor a, Tensor b) =>
        (a - b).abs().max().item<double>() / Math.Max(b.abs().max().item<double>(), 1e-300);

    public static TheoryData<TimeConditioning, int, long> Cases()
    {
        var data = new TheoryData<TimeConditioning, int, long>();
        foreach (var mode in Enum.GetValues<TimeConditioning>())
        foreach (var k in new long[] { 0, 5, 12 })
            data.Add(mode, mode == TimeConditioning.TimeAndInterval ? 4 : 0, k);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardModeTangentEqualsDoubleBackwardAndFiniteDifferences(TimeConditioning mode, int classes, long k)
    {
        using var scope = NewDisposeScope();
        var field = Perturbed(mode, classes);
        var g = new Generator(5);
        var z = randn(new long[] { 12, 3 }, dtype: float64, generator: g);
        var t = rand(12, dtype: float64, generator: g);
        var r = t * rand(12, dtype: float64, generator: g);
        var labels = classes > 0 ? randint(0, classes + 1, new long[] { 12 }, generator: g) : null;
        var tangent = new InputTangent(randn(new[] { k, 3L }, dtype: float64, generator: g),
            randn(k, dtype: float64, generator: g), randn(k, dtype: float64, generator: g));

        var forward = new ForwardModeJvp().Compute(field, z, r, t, labels, tangent);
        var exact = new DoubleBackwardJvp().Compute(field, z, r, t, labels, tangent);
        var finite = new FiniteDifferenceJvp().Compute(field, z, r, t, labels, tangent);
        Assert.Equal(0.0, (forward.Value - exact.Value).abs().max().item<double>());
        if (k == 0) return;
        Assert.True(RelativeError(forward.Tangent, exact.Tangent) <= 1e-10, $"forward vs double backward {RelativeError(forward.Tangent, exact.Tangent):E2}");
        Assert.True(RelativeError(finite.Tangent, exact.Tangent) <= 1e-7, $"finite differences {RelativeError(finite.Tangent, exact.Tangent):E2}");
    }

    [Fact]
    public void ObjectiveGradientsAgreeBetweenEnginesAndReachEveryParameter()
    {
        var field = Perturbed(TimeConditioning.TimeAndInterval);
        var g = new Generator(7);
        var x = randn(new long[] { 16, 3 }, dtype: float64, generator: g);
        var noise = randn(new long[] { 16, 3 }, dtype: float64, generator: g);
        var t = rand(16, dtype: float64, generator: g);
        var r = where(rand(16, dtype: float64, generator: g) < 0.5, t, t * rand(16, dtype: float64, generator: g));
        var batch = new ObjectiveBatch(x, noise, r: r, t: t);
        Tensor[] Gradients(IJvpEngine engine)
        {
            field.zero_grad();
            new MeanFlowObjective(jvp: engine).Compute(field, batch).Loss.backward();
            return field.parameters().Select(p => p.grad!.clone()).ToArray();
        }
        var forward = Gradients(new ForwardModeJvp());
        var doubleBackward = Gradients(new DoubleBackwardJvp());
        Assert.Equal(field.parameters().Count(), forward.Length);
        for (var i = 0; i < forward.Length; i++)
        {
            Assert.True(forward[i].abs().max().item<double>() > 0, $"parameter {i} got no gradient");
            Assert.True(RelativeError(forward[i], doubleBackward[i]) <= 1e-8, $"parameter {i}: {RelativeError(forward[i], doubleBackward[i]):E2}");
        }
    }

    [Fact]
    public void OutputIsZeroAtInitialisationAndShapesAreChecked()
    {
        using var scope = NewDisposeScope();
        var field = new MlpVelocityField(2);
        var u = field.AverageVelocity(randn(5, 2), zeros(5), ones(5));
        Assert.Equal(new long[] { 5, 2 }, u.shape);
        Assert.Equal(0f, u.abs().max().item<float>());
        Assert.Throws<ArgumentException>(() => field.AverageVelocity(randn(5, 3), zeros(5), ones(5)));
        Assert.Throws<ArgumentException>(() => field.AverageVelocity(randn(5, 2), zeros(5), ones(5), zeros(5, dtype: int64)));
    }
}
