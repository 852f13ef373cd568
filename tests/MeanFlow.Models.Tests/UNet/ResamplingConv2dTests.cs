using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.UNet;

public sealed class ResamplingConv2dTests
{
    private static ResamplingConv2d Create(long cin, long cout, long kernel, Resampling resampling, double[]? filter = null) =>
        new(cin, cout, kernel, true, resampling, filter, dtype: ScalarType.Float64);

    [Fact]
    public void FilterOneOneIsAveragePoolingAndNearestUpsampling()
    {
        using var down = Create(3, 3, 0, Resampling.Down);
        using var up = Create(3, 3, 0, Resampling.Up);
        var x = Normal(Seeded(1), 2, 3, 4, 6);
        AssertClose(down.call(x), new Downsample2x().call(x), 1e-15);
        AssertClose(up.call(x), new Upsample2x().call(x), 1e-15);
    }

    [Fact]
    public void FilterOneThreeThreeOneDownsamplesByTheWeightedSumOfTheDefinition()
    {
        // y[i, j] = Σ_{a,b} f_a f_b / 64 · x_pad[2i + a, 2j + b], x zero-padded by 1, f = [1, 3, 3, 1].
        using var down = Create(2, 2, 0, Resampling.Down, new[] { 1.0, 3, 3, 1 });
        var x = Normal(Seeded(2), 2, 2, 6, 4);
        var padded = nn.functional.pad(x, new long[] { 1, 1, 1, 1 });
        double[] f = { 1, 3, 3, 1 };
        var expected = zeros(2, 2, 3, 2, dtype: ScalarType.Float64);
        for (var a = 0; a < 4; a++)
            for (var b = 0; b < 4; b++)
                expected.add_(padded.slice(2, a, a + 5, 2).slice(3, b, b + 3, 2).mul(f[a] * f[b] / 64));
        AssertClose(down.call(x), expected, 1e-14);
    }

    [Theory]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 1.0, 3.0, 3.0, 1.0 })]
    public void UpsamplingIsFourTimesTheAdjointOfDownsampling(double[] filter)
    {
        // up(y) = conv_transpose(y, 4f): ⟨down(x), y⟩ = ⟨x, up(y)⟩ / 4 for every x, y.
        using var down = Create(2, 2, 0, Resampling.Down, filter);
        using var up = Create(2, 2, 0, Resampling.Up, filter);
        var x = Normal(Seeded(3), 3, 2, 8, 6);
        var y = Normal(Seeded(4), 3, 2, 4, 3);
        var left = (down.call(x) * y).sum().ToDouble();
        var right = (x * up.call(y)).sum().ToDouble() / 4;
        Assert.Equal(left, right, 12);
        Assert.Equal(new long[] { 3, 2, 8, 6 }, up.call(y).shape);
    }

    [Theory]
    [InlineData(3, Resampling.None)]
    [InlineData(3, Resampling.Down)]
    [InlineData(3, Resampling.Up)]
    [InlineData(1, Resampling.Down)]
    [InlineData(0, Resampling.Up)]
    public void TangentIsExactAndGradientsAreUnchanged(long kernel, Resampling resampling)
    {
        var cout = kernel == 0 ? 3 : 5;
        using var layer = Create(3, cout, kernel, resampling, new[] { 1.0, 3, 3, 1 });
        var x = Normal(Seeded(5), 4, 3, 6, 6);
        TangentIsExactForAllRowCounts(layer, x);
        if (kernel > 0) GradientsAreUnchanged(layer, x);
    }

    [Fact]
    public void StateDictHasEdmsKeys()
    {
        using var plain = Create(2, 4, 3, Resampling.None);
        Assert.Equal(new[] { "bias", "weight" }, plain.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal));
        using var down = Create(2, 4, 3, Resampling.Down, new[] { 1.0, 3, 3, 1 });
        var keys = down.state_dict();
        Assert.Equal(new[] { "bias", "resample_filter", "weight" }, keys.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(new long[] { 1, 1, 4, 4 }, keys["resample_filter"].shape);
        Assert.Equal(1.0, keys["resample_filter"].sum().ToDouble(), 15);
        Assert.Equal(9.0 / 64, keys["resample_filter"][0, 0, 1, 2].ToDouble(), 15);
        Assert.Single(down.parameters(), p => p.dim() == 4);   // the filter is a buffer, not a parameter
    }

    [Fact]
    public void InitializationIsXavierUniformTimesTheGain()
    {
        using var layer = new ResamplingConv2d(16, 32, 3);
        var bound = Math.Sqrt(6.0 / (16 * 9 + 32 * 9));
        foreach (var gain in new[] { 1.0, 1e-5, Math.Sqrt(0.2) })
        {
            layer.Initialize(gain, new Generator(7));
            var w = layer.Weight!;
            Assert.True(w.abs().max().ToDouble() <= bound * gain);
            // Uniform on ±b·gain: standard deviation b·gain/√3, estimated from 4608 draws (relative error ~1 %).
            Assert.Equal(bound * gain / Math.Sqrt(3), w.std().ToDouble(), bound * gain * 0.05);
            Assert.Equal(0.0, layer.Bias!.abs().max().ToDouble());
        }
        layer.Initialize(0.0);
        Assert.Equal(0.0, layer.Weight!.abs().max().ToDouble());
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResamplingConv2d(2, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResamplingConv2d(2, 3, 0, resampling: Resampling.Up));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResamplingConv2d(2, 2, 3, resampling: Resampling.Down, filter: new[] { 1.0, 2, 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResamplingConv2d(2, 2, 3, resampling: Resampling.Down, filter: new[] { 1.0, -1 }));
        using var down = new ResamplingConv2d(2, 2, 3, resampling: Resampling.Down);
        Assert.Throws<ArgumentException>(() => down.call(zeros(1, 2, 5, 4)));
        Assert.Throws<ArgumentException>(() => down.call(zeros(1, 3, 4, 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => down.Initialize(-1));
    }
}
