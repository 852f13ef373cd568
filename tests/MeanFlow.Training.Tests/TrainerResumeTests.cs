using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

public class TrainerResumeTests
{
    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    public void ResumedRunRepeatsTheUninterruptedRunBitForBit(OptimizerKind optimizer)
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();

        // 20 steps straight.
        var straightLosses = new TrainingFixture.LossRecorder();
        using var straight = TrainingFixture.NewTrainer(TrainingFixture.Options(20, optimizer: optimizer));
        straight.Progress.Add(straightLosses);
        straight.Run(TrainingFixture.BatchAt);

        // 10 steps with a checkpoint at step 10 (written by Run), then fresh objects — another initialisation —
        // load it and run the remaining 10 steps.
        var path = fixture.File("run.ckpt");
        var firstHalf = new TrainingFixture.LossRecorder();
        using (var interrupted = TrainingFixture.NewTrainer(TrainingFixture.Options(20, 10, path, optimizer)))
        {
            interrupted.Progress.Add(firstHalf);
            interrupted.Run(step => step < 10 ? TrainingFixture.BatchAt(step) : null);
        }
        Assert.Equal(10, TrainingCheckpoint.ReadInfo(path).Step);

        var secondHalf = new TrainingFixture.LossRecorder();
        using var resumed = TrainingFixture.NewTrainer(TrainingFixture.Options(20, optimizer: optimizer), fieldSeed: 99);
        resumed.LoadCheckpoint(path);
        Assert.Equal(10, resumed.Step);
        resumed.Progress.Add(secondHalf);
        resumed.Run(TrainingFixture.BatchAt);

        var losses = firstHalf.Losses.Concat(secondHalf.Losses).ToList();
        Assert.Equal(straightLosses.Losses.Select(l => l.Step), losses.Select(l => l.Step));
        for (var i = 0; i < 20; i++)
            Assert.True(straightLosses.Losses[i].Loss == losses[i].Loss,
                $"step {i + 1}: straight loss {straightLosses.Losses[i].Loss:R}, resumed {losses[i].Loss:R}");
        TrainingFixture.AssertIdentical(TrainingFixture.Snapshot(straight.Field), TrainingFixture.Snapshot(resumed.Field), "weights");
        for (var a = 0; a < 2; a++)
        {
            Assert.Equal(straight.Averages[a].Updates, resumed.Averages[a].Updates);
            TrainingFixture.AssertIdentical(
                straight.Averages[a].StateDict().ToDictionary(p => p.Key, p => p.Value),
                resumed.Averages[a].StateDict().ToDictionary(p => p.Key, p => p.Value), $"average {a}");
        }
        Assert.True((straight.Generator.get_state() == resumed.Generator.get_state()).all().item<bool>(), "generator state");
    }

    [Fact]
    public void EnumerableFeedResumesFromTheCallersPosition()
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();
        var straightLosses = new TrainingFixture.LossRecorder();
        using var straight = TrainingFixture.NewTrainer(TrainingFixture.Options(8));
        straight.Progress.Add(straightLosses);
        straight.Run(Enumerable.Range(0, 100).Select(s => TrainingFixture.BatchAt(s)));
        Assert.Equal(8, straight.Step);

        var path = fixture.File("run.ckpt");
        using (var first = TrainingFixture.NewTrainer(TrainingFixture.Options(8)))
        {
            first.Run(Enumerable.Range(0, 5).Select(s => TrainingFixture.BatchAt(s)));   // the feed ends after 5 batches
            Assert.Equal(5, first.Step);
            first.SaveCheckpoint(path);
        }
        var resumedLosses = new TrainingFixture.LossRecorder();
        using var resumed = TrainingFixture.NewTrainer(TrainingFixture.Options(8), fieldSeed: 5);
        resumed.LoadCheckpoint(path);
        resumed.Progress.Add(resumedLosses);
        resumed.Run(Enumerable.Range((int)resumed.Step, 100).Select(s => TrainingFixture.BatchAt(s)));
        Assert.Equal(straightLosses.Losses.Skip(5), resumedLosses.Losses);
    }
}
