using System;
using MeanFlow.Objectives;
using MeanFlow.TimeSampling;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Objectives;

/// <summary>An explicit batch is validated with one host read; a drawn one with none, and it keeps the sampler's K.</summary>
public class ObjectiveBatchReadTests
{
    [Fact]
    public void AnExplicitBatchIsCheckedWithOneRead()
    {
        using var scope = NewDisposeScope();
        var x = randn(6, 2, dtype: float64);
        var t = rand(6, dtype: float64);
        var before = HostReads.OnThisThread();
        _ = new ObjectiveBatch(x, randn(6, 2, dtype: float64), t * 0.5, t, tensor(new long[] { 0, 1, 2, 0, 1, 2 }), ones(6, dtype: ScalarType.Bool));
        Assert.Equal(1, HostReads.OnThisThread() - before);
    }

    [Fact]
    public void ABadValueStillGetsTheDetailedMessage()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new[] { 0.5, 0.9, 0.3 }, dtype: float64);
        var r = tensor(new[] { 0.1, 0.2, 0.4 }, dtype: float64);         // row 2 has r > t
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ObjectiveBatch(zeros(3, 2, dtype: float64), zeros(3, 2, dtype: float64), r, t));
        Assert.Contains("row 2", e.Message);
        Assert.Equal("r", e.ParamName);
    }

    [Fact]
    public void ADrawnBatchIsNotReadAndKeepsTheLeadingDistinctRows()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var objective = new MeanFlowObjective(timeSampler: new MeanFlowTimeSampler(distinctFraction: 0.5));
        var before = HostReads.OnThisThread();
        var batch = objective.Draw(randn(8, 3, dtype: float64), null, generator);
        Assert.Equal(0, HostReads.OnThisThread() - before);
        Assert.Equal(4, batch.LeadingDistinctRows);
        Assert.True(batch.Drawn);
        Assert.True((batch.R.narrow(0, 0, 4) < batch.T.narrow(0, 0, 4)).all().item<bool>());
        Assert.True((batch.R.narrow(0, 4, 4) == batch.T.narrow(0, 4, 4)).all().item<bool>());
    }
}
