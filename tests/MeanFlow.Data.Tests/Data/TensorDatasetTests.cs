using System.Collections.Generic;
using MeanFlow.Data;

namespace MeanFlow.Tests.Data;

public class TensorDatasetTests
{
    [Fact]
    public void InfersClassCountAndCountsPerClass()
    {
        using var scope = NewDisposeScope();
        using var dataset = new TensorDataset(zeros(5, 2), tensor(new long[] { 0, 3, 3, 1, 0 }));
        Assert.Equal(4, dataset.ClassCount);
        Assert.Equal(new long[] { 2, 1, 0, 2 }, dataset.CountPerClass());
        Assert.Equal(new long[] { 2 }, dataset.SampleShape);
    }

    [Fact]
    public void OwnsItsTensorsBeyondTheCreatingScope()
    {
        TensorDataset dataset;
        using (NewDisposeScope())
            dataset = new TensorDataset(arange(6, dtype: ScalarType.Float32).reshape(3, 2), tensor(new long[] { 0, 1, 0 }));
        Assert.False(dataset.Data.IsInvalid);
        Assert.Equal(15f, dataset.Data.sum().item<float>());
        using (var slice = dataset.Slice(1, 2))
            Assert.Equal(new[] { 2f, 3f, 4f, 5f }, slice.Data.flatten().data<float>().ToArray());
        Assert.False(dataset.Data.IsInvalid); // disposing a slice keeps the parent's storage
        dataset.Dispose();
        Assert.True(dataset.Data.IsInvalid);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new TensorDataset(zeros(3, 2), tensor(new long[] { 0, 1 })));
        Assert.Throws<ArgumentException>(() => new TensorDataset(zeros(3, 2), tensor(new[] { 0f, 1f, 2f })));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorDataset(zeros(3, 2), tensor(new long[] { 0, 1, 5 }), classCount: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorDataset(zeros(3, 2), tensor(new long[] { 0, -1, 1 })));
        Assert.Throws<ArgumentException>(() => new TensorDataset(zeros(0, 2)));
        Assert.Throws<ArgumentException>(() => new TensorDataset(zeros(3, 2), classCount: 2, classNames: new[] { "a" }));
        using var unlabelled = new TensorDataset(zeros(3, 2));
        Assert.Throws<InvalidOperationException>(() => unlabelled.CountPerClass());
    }

    [Fact]
    public void TorchSharpDataLoaderVisitsEveryRowOncePerEpochWithItsLabel()
    {
        using var scope = NewDisposeScope();
        using var dataset = new TensorDataset(arange(10, dtype: ScalarType.Float32).reshape(10, 1), arange(10).remainder(3));
        List<float> Epoch(TorchSharp.Modules.DataLoader loader)
        {
            var rows = new List<float>();
            foreach (var batch in loader)
            {
                var data = batch["data"].flatten().data<float>().ToArray();
                Assert.Equal(data.Select(v => (long)v % 3), batch["label"].data<long>().ToArray()); // labels stay with their rows
                rows.AddRange(data);
            }
            return rows;
        }
        using (var loader = torch.utils.data.DataLoader(dataset, 4, shuffle: true, seed: 5, disposeDataset: false))
        using (var again = torch.utils.data.DataLoader(dataset, 4, shuffle: true, seed: 5, disposeDataset: false))
        {
            var first = Epoch(loader);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), first.Order());
            Assert.NotEqual(Enumerable.Range(0, 10).Select(i => (float)i), first); // shuffled
            Assert.Equal(first, Epoch(again));                                       // the same seed, the same order
        }
        Assert.False(dataset.Data.IsInvalid); // disposeDataset: false leaves the dataset to its owner
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.GetTensor(10));
    }
}
