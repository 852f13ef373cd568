using MeanFlow.Evaluation;

namespace MeanFlow.Tests.Evaluation;

public class GaussianStatisticsTests
{
    [Fact]
    public void BatchedAccumulationMatchesANaiveTwoPassComputation()
    {
        using var scope = NewDisposeScope();
        // float32 features (as a network gives them); the accumulator works in float64.
        var features = randn(new long[] { 61, 4 }, generator: new Generator(2)) * 2 + 0.5f;
        var rows = Enumerable.Range(0, 61).Select(i => features[i].data<float>().ToArray().Select(v => (double)v).ToArray()).ToArray();
        var mean = Enumerable.Range(0, 4).Select(j => rows.Average(r => r[j])).ToArray();
        var cov = new double[16];
        for (var j = 0; j < 4; j++)
            for (var k = 0; k < 4; k++)
                cov[4 * j + k] = rows.Sum(r => (r[j] - mean[j]) * (r[k] - mean[k])) / 60;

        using var accumulator = new GaussianStatisticsAccumulator();
        var start = 0;
        foreach (var size in new[] { 1, 7, 50, 3 })
        {
            accumulator.Add(features.narrow(0, start, size));
            start += size;
        }
        using var stats = accumulator.ToStatistics();
        Assert.Equal(61, stats.Count);
        TestTensors.AssertClose(stats.Mean, tensor(mean), 1e-13, "mean");
        TestTensors.AssertClose(stats.Covariance.flatten(), tensor(cov), 1e-12, "covariance");
        using var single = GaussianStatistics.FromFeatures(features);
        TestTensors.AssertClose(single.Covariance, stats.Covariance, 1e-12, "single batch");
    }

    [Fact]
    public void LargeOffsetsDoNotCancel()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 400, 3 }, dtype: ScalarType.Float64, generator: new Generator(6));
        using var reference = GaussianStatistics.FromFeatures(x);
        using var accumulator = new GaussianStatisticsAccumulator();
        var shifted = x + 1e7;
        for (var i = 0; i < 400; i += 10) accumulator.Add(shifted.narrow(0, i, 10));
        using var stats = accumulator.ToStatistics();
        TestTensors.AssertClose(stats.Covariance, reference.Covariance, 1e-8, "covariance under a 1e7 offset");
    }

    [Fact]
    public void FromImagesFlattensWithTheExtractor()
    {
        using var scope = NewDisposeScope();
        var images = rand(new long[] { 12, 1, 3, 3 }, generator: new Generator(1));
        using var direct = GaussianStatistics.FromFeatures(images.reshape(12, 9));
        using var batched = GaussianStatistics.FromImages(new FlattenFeatureExtractor(), new[] { images.narrow(0, 0, 5), images.narrow(0, 5, 7) });
        TestTensors.AssertClose(batched.Covariance, direct.Covariance, 1e-12);
        Assert.Equal(9, batched.Dimension);
    }

    [Fact]
    public void MisuseIsRejected()
    {
        using var scope = NewDisposeScope();
        using var accumulator = new GaussianStatisticsAccumulator();
        accumulator.Add(zeros(1, 3));
        Assert.Throws<InvalidOperationException>(() => accumulator.ToStatistics());
        Assert.Throws<ArgumentException>(() => accumulator.Add(zeros(2, 4)));
        Assert.Throws<ArgumentException>(() => accumulator.Add(zeros(3)));
        Assert.Throws<ArgumentException>(() => accumulator.Add(full(new long[] { 1, 3 }, double.NaN)));
    }
}
