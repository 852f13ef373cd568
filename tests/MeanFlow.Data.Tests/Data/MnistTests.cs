using System.Collections.Concurrent;
using MeanFlow.Data;

namespace MeanFlow.Tests.Data;

/// <summary>Reads each real split once per test class.</summary>
public sealed class IdxDatasetCache : IDisposable
{
    private readonly ConcurrentDictionary<(string, DatasetSplit), TensorDataset> _loaded = new();

    internal TensorDataset Get(string folder, DatasetSplit split, bool fashion) =>
        _loaded.GetOrAdd((folder, split), key => fashion ? FashionMnist.Load(key.Item1, key.Item2) : Mnist.Load(key.Item1, key.Item2));

    public void Dispose()
    {
        foreach (var dataset in _loaded.Values) dataset.Dispose();
    }
}

/// <summary>The real MNIST and Fashion-MNIST files in ../shared/data (expected values computed independently from the files).</summary>
public class MnistTests : IClassFixture<IdxDatasetCache>
{
    private readonly IdxDatasetCache _cache;

    public MnistTests(IdxDatasetCache cache) => _cache = cache;

    [SkippableFact]
    public void MnistTrainHasTheKnownShapeHistogramAndPixels()
    {
        using var scope = NewDisposeScope();
        var mnist = _cache.Get(SharedData.Folder("mnist"), DatasetSplit.Train, fashion: false);
        Assert.Equal(new long[] { 60000, 1, 28, 28 }, mnist.Data.shape);
        Assert.Equal(ScalarType.Float32, mnist.Data.dtype);
        Assert.Equal(new long[] { 60000 }, mnist.Labels!.shape);
        Assert.Equal(new long[] { 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949 }, mnist.CountPerClass());
        Assert.Equal(new long[] { 5, 0, 4, 1, 9 }, mnist.Labels.narrow(0, 0, 5).data<long>().ToArray());

        var bytes = (mnist.Data * 255).round().to(ScalarType.Int64);
        Assert.Equal(1567298545L, bytes.sum().item<long>());           // every pixel byte, summed
        Assert.Equal(27525L, bytes[0].sum().item<long>());               // image 0
        Assert.Equal(3L, bytes[0, 0, 5, 12].item<long>());               // its first non-zero pixel: row 5, column 12
        Assert.Equal(0L, bytes[0, 0, 12, 5].item<long>());
        Assert.Equal(20920L, bytes[59999].sum().item<long>());
        Assert.Equal(0.0, mnist.Data.min().ToDouble());
        Assert.Equal(1.0, mnist.Data.max().ToDouble());
    }

    [SkippableFact]
    public void MnistTestSplitHasTenThousandImages()
    {
        using var scope = NewDisposeScope();
        var test = _cache.Get(SharedData.Folder("mnist"), DatasetSplit.Test, fashion: false);
        Assert.Equal(new long[] { 10000, 1, 28, 28 }, test.Data.shape);
        Assert.Equal(new long[] { 7, 2, 1, 0, 4 }, test.Labels!.narrow(0, 0, 5).data<long>().ToArray());
    }

    [SkippableFact]
    public void FashionMnistIsBalanced()
    {
        using var scope = NewDisposeScope();
        var train = _cache.Get(SharedData.Folder("fashion-mnist"), DatasetSplit.Train, fashion: true);
        Assert.Equal(new long[] { 60000, 1, 28, 28 }, train.Data.shape);
        Assert.All(train.CountPerClass(), count => Assert.Equal(6000L, count));
        Assert.Equal("Ankle boot", train.ClassNames![(int)train.Labels![0].item<long>()]); // first label 9
        Assert.Equal(76247L, (train.Data[0] * 255).round().to(ScalarType.Int64).sum().item<long>());
        var test = _cache.Get(SharedData.Folder("fashion-mnist"), DatasetSplit.Test, fashion: true);
        Assert.All(test.CountPerClass(), count => Assert.Equal(1000L, count));
    }
}
