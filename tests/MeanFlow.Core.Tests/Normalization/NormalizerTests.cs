using MeanFlow.Normalization;

namespace MeanFlow.Tests.Normalization;

public class NormalizerTests
{
    [Fact]
    public void MinMaxMapsTheRangeOntoMinusOneOneAndRoundTrips()
    {
        using var scope = NewDisposeScope();
        var normalizer = new MinMaxNormalizer(0, 255);
        var x = tensor(new[] { 0.0, 127.5, 255.0 }, dtype: float64);
        TestTensors.AssertClose(normalizer.Normalize(x), tensor(new[] { -1.0, 0.0, 1.0 }, dtype: float64), 1e-15);
        var data = rand(new long[] { 5, 3, 4, 4 }, dtype: float64, generator: new Generator(1)) * 255;
        TestTensors.AssertClose(normalizer.Denormalize(normalizer.Normalize(data)), data, 1e-14, "round trip");
    }

    [Fact]
    public void ChannelNormalizerFitStandardizesEachChannelAndRoundTrips()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(2);
        var data = randn(new long[] { 200, 3, 5, 5 }, dtype: float64, generator: g) * tensor(new[] { 1.0, 3.0, 0.5 }, dtype: float64).reshape(1, 3, 1, 1)
                   + tensor(new[] { 2.0, -1.0, 0.0 }, dtype: float64).reshape(1, 3, 1, 1);
        var normalizer = ChannelNormalizer.Fit(data);
        var y = normalizer.Normalize(data).transpose(0, 1).flatten(1);
        TestTensors.AssertAbsolute(y.mean(new long[] { 1 }), zeros(3, dtype: float64), 1e-12, "means");
        TestTensors.AssertClose(y.std(new long[] { 1 }), ones(3, dtype: float64), 1e-12, "stds");
        TestTensors.AssertClose(normalizer.Denormalize(normalizer.Normalize(data)), data, 1e-14, "round trip");
    }

    [Fact]
    public void IdentityRoundTripsExactly()
    {
        using var scope = NewDisposeScope();
        var x = randn(4, 2);
        var identity = new IdentityNormalizer();
        Assert.True(TestTensors.Identical(identity.Denormalize(identity.Normalize(x)), x));
    }
}
