using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

/// <summary>
/// Large tangents (≥ <see cref="SymmetricJacobian.MinimumElements"/> elements) take the fused path — libtorch's
/// backward kernel applied to dx, valid because these Jacobians are symmetric. The same checks as for small
/// tangents: exact against double backward, primal and gradients unchanged; and the fused tangent agrees with the
/// closed form, which the layers use in inference mode.
/// </summary>
public sealed class FusedTangentTests
{
    public FusedTangentTests() => random.manual_seed(3);

    // B = 3 rows of 128·128 (or 32·32·16) elements: a tangent of K = 2 rows has 32768 elements.
    public static IEnumerable<object[]> Layers()
    {
        yield return new object[] { "gelu-tanh", new long[] { 3, 128, 128 } };
        yield return new object[] { "gelu-erf", new long[] { 3, 128, 128 } };
        yield return new object[] { "groupnorm", new long[] { 3, 32, 32, 16 } };
        yield return new object[] { "groupnorm-plain", new long[] { 3, 32, 32, 16 } };
        yield return new object[] { "layernorm", new long[] { 3, 128, 128 } };
    }

    private static nn.Module<Dual, Dual> Create(string name)
    {
        nn.Module<Dual, Dual> layer = name switch
        {
            "gelu-tanh" => new DualGelu(tanhApproximation: true),
            "gelu-erf" => new DualGelu(tanhApproximation: false),
            "groupnorm" => new DualGroupNorm(8, 32, eps: 1e-5, dtype: ScalarType.Float64),
            "groupnorm-plain" => new DualGroupNorm(4, 32, eps: 1e-5, affine: false, dtype: ScalarType.Float64),
            "layernorm" => new DualLayerNorm(128, dtype: ScalarType.Float64),
            _ => throw new ArgumentException(name),
        };
        using var g = Seeded(99);
        using (no_grad())
            foreach (var p in layer.parameters()) p.add_(randn(p.shape, dtype: p.dtype, generator: g).mul_(0.3));
        return layer;
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void FusedTangentIsExact(string name, long[] shape)
    {
        using var layer = Create(name);
        var x = Normal(Seeded(1), shape).mul_(2).add_(0.5);
        foreach (var k in new long[] { 2, shape[0] })
        {
            Assert.True(SymmetricJacobian.Applies(zeros(TangentShape(shape, k))), "the test must exercise the fused path");
            TangentIsExact(xs => layer.call(xs[0]), new[] { x }, k, seed: 20 + (ulong)k);
        }
        GradientsAreUnchanged(layer, x, tangentRows: 2);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void FusedTangentAgreesWithClosedForm(string name, long[] shape)
    {
        using var layer = Create(name);
        using var scope = NewDisposeScope();
        var x = Normal(Seeded(2), shape).mul_(2);
        var dx = Normal(Seeded(3), TangentShape(shape, 2));
        var fused = layer.call(new Dual(x, dx)).Tangent!;
        Tensor closed;
        using (inference_mode())
        {
            Assert.False(SymmetricJacobian.Applies(dx), "inference mode must select the closed form");
            closed = layer.call(new Dual(x, dx)).Tangent!.clone();
        }
        AssertClose(fused, closed, 1e-12, name);
    }

    [Fact]
    public void SmallTangentsKeepTheClosedForm()
    {
        Assert.False(SymmetricJacobian.Applies(zeros(2, 16383)));
        Assert.True(SymmetricJacobian.Applies(zeros(2, 16384)));
    }

    private static long[] TangentShape(long[] shape, long k)
    {
        var s = (long[])shape.Clone();
        s[0] = k;
        return s;
    }
}
