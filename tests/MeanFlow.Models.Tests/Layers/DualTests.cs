using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class DualTests
{
    [Fact]
    public void ConstructorChecksTheTangentAgainstThePrimal()
    {
        var primal = zeros(4, 3, dtype: ScalarType.Float64);
        Assert.Equal(2, new Dual(primal, zeros(2, 3, dtype: ScalarType.Float64)).TangentRows);
        Assert.Equal(0, new Dual(primal).TangentRows);
        Assert.False(new Dual(primal).HasTangent);
        Assert.True(new Dual(primal, zeros(0, 3, dtype: ScalarType.Float64)).HasTangent);
        var tooMany = Assert.Throws<ArgumentException>(() => new Dual(primal, zeros(5, 3, dtype: ScalarType.Float64)));
        Assert.Equal("tangent", tooMany.ParamName);
        Assert.Contains("[K, 3]", tooMany.Message);
        Assert.Throws<ArgumentException>(() => new Dual(primal, zeros(2, 4, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => new Dual(primal, zeros(2, 3, 1, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => new Dual(primal, zeros(2, 3, dtype: ScalarType.Float32)));
        Assert.Throws<ArgumentException>(() => new Dual(tensor(1.0)));
        Assert.Throws<ArgumentNullException>(() => new Dual(null!));
    }

    [Fact]
    public void ArithmeticFollowsTheProductRule()
    {
        var g = Seeded(1);
        Tensor a = Normal(g, 5, 3, 4), b = Normal(g, 5, 1, 4), c = Normal(g, 5, 3, 4), w = Normal(g, 4);
        Func<Dual[], Dual>[] cases =
        {
            xs => xs[0] + xs[1],
            xs => xs[0] - xs[1],
            xs => -xs[0],
            xs => xs[0] * xs[1],
            xs => xs[1] * xs[0],
            xs => xs[0] * Rows(c, xs[0]),        // constant with B rows: the tangent uses its leading K rows
            xs => Rows(c, xs[1]) * xs[1],        // and broadcasts the pair's shape
            xs => xs[1] + Rows(c, xs[1]),
            xs => xs[0] * w - w,
            xs => 2.5 * xs[0] * 0.5,
            xs => xs[0] * xs[0] * xs[1],
        };
        foreach (var f in cases) TangentIsExactForAllRowCounts(f, new[] { a, b });
    }

    /// <summary>A per-row constant as the network sees it: as many rows as the input (B, or K in the reference).</summary>
    private static Tensor Rows(Tensor c, Dual x) => c.narrow(0, 0, x.Rows);

    [Fact]
    public void PairsWithAndWithoutTangentDoNotMix()
    {
        var withTangent = new Dual(zeros(4, 3), zeros(2, 3));
        var without = new Dual(zeros(4, 3));
        Assert.Contains("Dual.Constant", Assert.Throws<ArgumentException>(() => withTangent + without).Message);
        Assert.Throws<ArgumentException>(() => withTangent * new Dual(zeros(4, 3), zeros(3, 3)));
        Assert.Throws<ArgumentException>(() => withTangent + new Dual(zeros(4, 1, 3), zeros(2, 1, 3)));
        Assert.Throws<ArgumentException>(() => withTangent + new Dual(zeros(5, 3), zeros(2, 3)));
        Assert.Throws<ArgumentException>(() => withTangent * zeros(3, 3));
        Assert.Throws<ArgumentException>(() => withTangent + zeros(2, 4, 3));
        var constant = Dual.Constant(ones(4, 3), 2);
        Assert.Equal(0.0, constant.Tangent!.abs().max().ToDouble());
        Assert.Equal(new long[] { 2, 3 }, (withTangent + constant).Tangent!.shape);
        Assert.Null(Dual.Constant(ones(4, 3), null).Tangent);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dual.Constant(ones(4, 3), 5));
    }

    [Fact]
    public void ChunkCatAndMapLinearKeepTheBatchFirst()
    {
        var g = Seeded(2);
        var x = Normal(g, 5, 6, 2);
        TangentIsExactForAllRowCounts(xs => Dual.Cat(Enumerable.Reverse(xs[0].Chunk(3, 1)).ToArray(), -2), new[] { x });
        TangentIsExactForAllRowCounts(xs => xs[0].MapLinear(t => t.transpose(1, 2).reshape(t.shape[0], -1)), new[] { x });
        var dual = new Dual(x, Normal(g, 2, 6, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => dual.Chunk(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => dual.Chunk(2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dual.Cat(new[] { dual, dual }, 0));
        Assert.Throws<ArgumentException>(() => Dual.Cat(new[] { dual, new Dual(x) }, 1));
        Assert.Throws<ArgumentException>(() => dual.MapLinear(t => t.reshape(-1)));
        Assert.Throws<ArgumentException>(() => dual.MapLinear(t => t.reshape(5, -1)));   // sized by B: wrong for the tangent
    }

    [Fact]
    public void MoveToOuterLeavesTensorsSharedWithInputsInTheirScope()
    {
        using var outer = NewDisposeScope();
        var input = new Dual(ones(3, 2), ones(1, 2));
        Dual result;
        using (var inner = NewDisposeScope())
        {
            result = (input + ones(2)).MoveToOuter(inner);    // new primal, tangent shared with the input
        }
        Assert.Same(input.Tangent, result.Tangent);
        Assert.True(outer.Contains(result.Primal));
        Assert.True(outer.Contains(input.Tangent!));          // not moved past its own scope
        Assert.Equal(2.0, result.Primal[0, 0].ToDouble());
    }
}
