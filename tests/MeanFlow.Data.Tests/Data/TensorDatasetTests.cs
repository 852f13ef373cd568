using System;
using MeanFlow.Data;
using Xunit;
using static TorchSharp.torch;

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
}
