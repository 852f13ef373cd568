using System.Collections.Generic;
using System.IO;
using MeanFlow.Objectives;
using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

public class TrainerDivergenceTests
{
    [Fact]
    public void NanLossStopsTheRunAndLeavesTheLastCheckpointIntact()
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();
        var path = fixture.File("ckpt-{step}.bin");
        using var trainer = TrainingFixture.NewTrainer(TrainingFixture.Options(30, checkpointEvery: 5, checkpointPath: path));
        var atCheckpoint = new Dictionary<long, (Dictionary<string, Tensor> Weights, Dictionary<string, Tensor> Average)>();
        trainer.CheckpointSaved += (_, e) => atCheckpoint[e.Step] = (TrainingFixture.Snapshot(trainer.Field),
            trainer.Averages[1].StateDict().ToDictionary(p => p.Key, p => p.Value.clone().DetachFromDisposeScope()));

        // The field returns NaN from step 13 on (0-based index 12).
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Run(step =>
        {
            trainer.Field.Poisoned = step >= 12;
            return TrainingFixture.BatchAt(step);
        }));

        Assert.Equal(13, error.Step);
        Assert.True(double.IsNaN(error.Loss));
        Assert.Contains("step 13", error.Message);
        Assert.Contains("NaN", error.Message);
        Assert.Equal(12, trainer.Step);                              // the bad step was not counted
        Assert.Equal(new long[] { 5, 10 }, atCheckpoint.Keys.OrderBy(k => k));
        Assert.Equal(new[] { "ckpt-10.bin", "ckpt-5.bin" },
            Directory.GetFiles(fixture.Folder).Select(Path.GetFileName).OrderBy(n => n, System.StringComparer.Ordinal));

        // The last checkpoint loads into fresh objects and equals the state when it was written.
        using var restored = TrainingFixture.NewTrainer(TrainingFixture.Options(30), fieldSeed: 7);
        restored.LoadCheckpoint(fixture.File("ckpt-10.bin"));
        Assert.Equal(10, restored.Step);
        TrainingFixture.AssertIdentical(atCheckpoint[10].Weights, TrainingFixture.Snapshot(restored.Field), "weights");
        TrainingFixture.AssertIdentical(atCheckpoint[10].Average,
            restored.Averages[1].StateDict().ToDictionary(p => p.Key, p => p.Value), "average");
        Assert.Equal(10, restored.Averages[1].Updates);
    }

    [Fact]
    public void NonFiniteGradientStopsTheStepBeforeTheUpdate()
    {
        using var scope = NewDisposeScope();
        using var trainer = Trainer.Create(new TinyField(), new FlowMatchingObjective(), new TrainerOptions(10, emaDecays: new[] { 0.5 }));
        trainer.TrainStep(TrainingFixture.BatchAt(0));
        var before = TrainingFixture.Snapshot(trainer.Field);
        var average = trainer.Averages[0].StateDict().ToDictionary(p => p.Key, p => p.Value.clone());

        trainer.Field.InfiniteGradient = true;
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.TrainStep(TrainingFixture.BatchAt(1)));

        Assert.Equal(2, error.Step);
        Assert.True(double.IsFinite(error.Loss), $"loss {error.Loss}");
        Assert.False(double.IsFinite(error.GradientNorm));
        Assert.Contains("step 2", error.Message);
        Assert.Contains("gradient norm", error.Message);
        Assert.Equal(1, trainer.Step);
        TrainingFixture.AssertIdentical(before, TrainingFixture.Snapshot(trainer.Field), "weights");
        TrainingFixture.AssertIdentical(average, trainer.Averages[0].StateDict().ToDictionary(p => p.Key, p => p.Value), "average");

        // The trainer stays usable: a good batch trains again.
        trainer.Field.InfiniteGradient = false;
        Assert.Equal(2, trainer.TrainStep(TrainingFixture.BatchAt(1)).Step);
    }
}
