using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

public sealed class EmbeddingTests
{
    public EmbeddingTests() => random.manual_seed(4);

    private static Tensor Times(ulong seed, long b) => rand(new[] { b }, dtype: ScalarType.Float64, generator: Seeded(seed));

    [Theory]
    [InlineData(8)]
    [InlineData(7)]
    public void FrequencyEmbeddingTangentIsExact(long dimension)
    {
        TangentIsExactForAllRowCounts(xs => FrequencyEmbedding.Apply(xs[0], dimension, 3.0), new[] { Times(1, 5) });
    }

    [Fact]
    public void FrequencyEmbeddingMatchesItsDefinition()
    {
        var t = Times(2, 3);
        var emb = FrequencyEmbedding.Apply(new Dual(t), 7, 1000.0).Primal;
        Assert.Equal(new long[] { 3, 7 }, emb.shape);
        for (var row = 0; row < 3; row++)
            for (var j = 0; j < 3; j++)
            {
                var angle = 1000.0 * t[row].ToDouble() * Math.Exp(-Math.Log(10000) * j / 3);
                Assert.Equal(Math.Cos(angle), emb[row, j].ToDouble(), 1e-9);
                Assert.Equal(Math.Sin(angle), emb[row, 3 + j].ToDouble(), 1e-9);
            }
        Assert.Equal(0.0, emb[.., 6].abs().max().ToDouble());
    }

    [Fact]
    public void EndpointFrequenciesMatchEdm()
    {
        // EDM PositionalEmbedding(endpoint=True): ω_j = (1/P)^(j/(h − 1)), so the last frequency is 1/P.
        var t = Times(8, 3);
        var emb = FrequencyEmbedding.Apply(new Dual(t), 8, 1.0, endpoint: true).Primal;
        for (var j = 0; j < 4; j++)
        {
            var omega = Math.Pow(1.0 / 10000, j / 3.0);
            Assert.Equal(Math.Cos(t[1].ToDouble() * omega), emb[1, j].ToDouble(), 1e-14);
            Assert.Equal(Math.Sin(t[1].ToDouble() * omega), emb[1, 4 + j].ToDouble(), 1e-14);
        }
        TangentIsExactForAllRowCounts(xs => FrequencyEmbedding.Apply(xs[0], 8, 5.0, endpoint: true), new[] { t }, partialRows: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => FrequencyEmbedding.Apply(new Dual(t), 3, 1.0, endpoint: true));
    }

    [Fact]
    public void TimestepEmbedderTangentIsExact()
    {
        using var embedder = new TimestepEmbedder(6, frequencyDimension: 16, scale: 1000.0, dtype: ScalarType.Float64);
        using (no_grad())
            foreach (var p in embedder.parameters()) p.normal_(0, 0.3);   // DiT's 0.02 init would make the check weak
        var t = Times(3, 5);
        TangentIsExactForAllRowCounts(embedder, t);
        GradientsAreUnchanged(embedder, t);
        Assert.Equal(new[] { "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias" }, embedder.state_dict().Keys.ToArray());
    }

    [Fact]
    public void TimestepEmbedderFollowsTheTangentOfTMinusR()
    {
        // MeanFlow conditions on (t, t − r): the second embedder's input tangent is dt − dr = 1 − 0.
        using var embedder = new TimestepEmbedder(4, frequencyDimension: 8, dtype: ScalarType.Float64);
        using (no_grad())
            foreach (var p in embedder.parameters()) p.normal_(0, 0.3);
        var t = Times(4, 4);
        var r = t * Times(5, 4);
        var k = 3;
        var interval = new Dual(t, ones(k, dtype: ScalarType.Float64)) - new Dual(r, zeros(k, dtype: ScalarType.Float64));
        var output = embedder.call(interval);
        var expected = DoubleBackwardJvp(xs => embedder.call(xs[0] - xs[1]),
            new[] { t.narrow(0, 0, k), r.narrow(0, 0, k) }, new[] { ones(k, dtype: ScalarType.Float64), zeros(k, dtype: ScalarType.Float64) });
        AssertClose(output.Tangent!, expected, DefaultTolerance);
    }

    [Fact]
    public void LabelEmbedderIsAConstantForTheTangent()
    {
        using var embedder = new LabelEmbedder(10, 6, dtype: ScalarType.Float64);
        Assert.Equal(new[] { "embedding.weight" }, embedder.state_dict().Keys.ToArray());
        Assert.Equal(11, embedder.Rows);
        var labels = tensor(new long[] { 3, 10, 0, 9 });
        var y = embedder.call(labels);
        Assert.Equal(new long[] { 4, 6 }, y.shape);
        var c = new Dual(Normal(Seeded(6), 4, 6), Normal(Seeded(7), 2, 6)) + y;
        Assert.Same(c.Tangent, (new Dual(c.Primal, c.Tangent) + y).Tangent);
        Assert.Throws<ArgumentOutOfRangeException>(() => embedder.call(tensor(new long[] { 11 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => embedder.call(tensor(new long[] { -1 })));
        Assert.Throws<ArgumentException>(() => embedder.call(tensor(new[] { 1.0 })));
        using var withoutNull = new LabelEmbedder(10, 6, nullClass: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => withoutNull.call(tensor(new long[] { 10 })));
    }

    [Fact]
    public void SinCosPositionEmbeddingMatchesDiT()
    {
        // DiT/MAE: token i·w + j; first half embeds the column j, second half the row i; each [sin, cos] over ω_k.
        const long d = 8, h = 3, w = 4;
        var table = SinCosPositionEmbedding.Create2D(d, h, w, ScalarType.Float64);
        Assert.Equal(new[] { h * w, d }, table.shape);
        for (var i = 0; i < h; i++)
            for (var j = 0; j < w; j++)
                for (var k = 0; k < d / 4; k++)
                {
                    var omega = 1.0 / Math.Pow(10000, k / (d / 4.0));
                    var row = table[i * w + j];
                    Assert.Equal(Math.Sin(j * omega), row[k].ToDouble(), 1e-15);
                    Assert.Equal(Math.Cos(j * omega), row[d / 4 + k].ToDouble(), 1e-15);
                    Assert.Equal(Math.Sin(i * omega), row[d / 2 + k].ToDouble(), 1e-15);
                    Assert.Equal(Math.Cos(i * omega), row[3 * d / 4 + k].ToDouble(), 1e-15);
                }
        Assert.Equal(ScalarType.Float32, SinCosPositionEmbedding.Create2D(8, 2, 2).dtype);
        Assert.Throws<ArgumentOutOfRangeException>(() => SinCosPositionEmbedding.Create2D(6, 2, 2));
    }

    [Fact]
    public void BadInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => FrequencyEmbedding.Apply(new Dual(zeros(3, 1)), 8, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrequencyEmbedding.Apply(new Dual(zeros(3)), 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrequencyEmbedding.Apply(new Dual(zeros(3)), 8, double.NaN));
        using var embedder = new TimestepEmbedder(4, 8);
        Assert.Throws<ArgumentException>(() => embedder.call(zeros(3, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimestepEmbedder(4, 1));
    }
}
