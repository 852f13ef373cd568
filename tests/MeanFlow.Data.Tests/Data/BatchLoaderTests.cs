using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Data;

public class BatchLoaderTests
{
    // Row i holds (i, 10i) and label i % 3, so a batch can be checked against its indices.
    private static TensorDataset Rows(int n) =>
        new(stack(new[] { arange(n, dtype: ScalarType.Float32), arange(n, dtype: ScalarType.Float32) * 10 }, 1),
            arange(n, dtype: ScalarType.Int64) % 3);

    private static List<long[]> Epoch(BatchLoader loader) =>
        loader.Select(batch =>
        {
            var indices = batch.Indices.data<long>().ToArray();
            Assert.Equal(indices.Select(i => (float)i), batch.Data[.., 0].data<float>().ToArray());
            Assert.Equal(indices.Select(i => 10f * i), batch.Data[.., 1].data<float>().ToArray());
            Assert.Equal(indices.Select(i => i % 3), batch.Labels!.data<long>().ToArray());
            return indices;
        }).ToList();

    [Theory]
    [InlineData(10, 3, false, new[] { 3, 3, 3, 1 })]
    [InlineData(10, 3, true, new[] { 3, 3, 3 })]
    [InlineData(9, 3, false, new[] { 3, 3, 3 })]
    public void EachEpochVisitsEveryRowOnceWithTheRightBatchSizes(int n, int batchSize, bool dropLast, int[] sizes)
    {
        using var scope = NewDisposeScope();
        using var dataset = Rows(n);
        var loader = new BatchLoader(dataset, batchSize, new Generator(5), dropLast: dropLast);
        Assert.Equal(sizes.Length, loader.BatchesPerEpoch);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var batches = Epoch(loader);
            Assert.Equal(sizes, batches.Select(b => b.Length));
            var seen = batches.SelectMany(b => b).ToArray();
            Assert.Equal(seen.Length, seen.Distinct().Count());
            if (!dropLast) Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), seen.Order());
        }
        Assert.Equal(3, loader.EpochsStarted);
    }

    [Fact]
    public void SameSeedSameOrderAndEpochsDiffer()
    {
        using var scope = NewDisposeScope();
        using var dataset = Rows(50);
        var a = new BatchLoader(dataset, 8, new Generator(123));
        var b = new BatchLoader(dataset, 8, new Generator(123));
        var a1 = Epoch(a).SelectMany(x => x).ToArray();
        var a2 = Epoch(a).SelectMany(x => x).ToArray();
        Assert.Equal(a1, Epoch(b).SelectMany(x => x).ToArray());
        Assert.Equal(a2, Epoch(b).SelectMany(x => x).ToArray());
        Assert.NotEqual(a1, a2);
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (long)i), a1);
        var ordered = new BatchLoader(dataset, 8, shuffle: false);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), Epoch(ordered).SelectMany(x => x));
    }

    [Fact]
    public void BatchesAreFreedWhenTheLoaderMovesOnAndNothingLeaks()
    {
        using var dataset = Rows(20);
        var loader = new BatchLoader(dataset, 6, new Generator(1));
        Epoch(loader); // warm-up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var kept = new List<DataBatch>();
        foreach (var batch in loader) kept.Add(batch);
        Assert.All(kept, batch => Assert.True(batch.Data.IsInvalid && batch.Labels!.IsInvalid && batch.Indices.IsInvalid));
        foreach (var batch in loader.Repeat().Take(9)) Assert.False(batch.Data.IsInvalid);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void RepeatRunsEpochAfterEpoch()
    {
        using var scope = NewDisposeScope();
        using var dataset = Rows(7);
        var loader = new BatchLoader(dataset, 3, new Generator(2));
        var epochs = loader.Repeat().Take(7).Select(b => (b.Epoch, b.Index)).ToArray();
        Assert.Equal(new[] { (0, 0L), (0, 1L), (0, 2L), (1, 0L), (1, 1L), (1, 2L), (2, 0L) }, epochs);
    }

    [Fact]
    public void DeliversToTheRequestedDeviceAndValidates()
    {
        using var scope = NewDisposeScope();
        using var dataset = Rows(4);
        var loader = new BatchLoader(dataset, 4, device: CPU);
        foreach (var batch in loader) Assert.Equal(DeviceType.CPU, batch.Data.device_type);
        // LINQ's First() ends the enumeration, which frees the batch: read what is needed inside the loop.
        Assert.True(loader.First().Data.IsInvalid);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader(dataset, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader(dataset, 5, dropLast: true));
    }
}
