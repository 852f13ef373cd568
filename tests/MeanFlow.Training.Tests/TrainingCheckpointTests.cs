using System.IO;
using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

public class TrainingCheckpointTests
{
    [Fact]
    public void ACrashMidWriteLeavesThePreviousCheckpointIntact()
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();
        var path = fixture.File("run.ckpt");
        using var trainer = TrainingFixture.NewTrainer(TrainingFixture.Options(10));
        for (var s = 0; s < 3; s++) trainer.TrainStep(TrainingFixture.BatchAt(s));
        trainer.SaveCheckpoint(path);
        var good = File.ReadAllBytes(path);
        for (var s = 3; s < 5; s++) trainer.TrainStep(TrainingFixture.BatchAt(s));

        TrainingCheckpoint.FaultAfterModel = () => throw new IOException("simulated crash after the model was written");
        try
        {
            Assert.Throws<IOException>(() => trainer.SaveCheckpoint(path));
        }
        finally
        {
            TrainingCheckpoint.FaultAfterModel = null;
        }

        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal(new[] { "run.ckpt" }, Directory.GetFiles(fixture.Folder).Select(Path.GetFileName));
        using var restored = TrainingFixture.NewTrainer(TrainingFixture.Options(10), fieldSeed: 3);
        restored.LoadCheckpoint(path);
        Assert.Equal(3, restored.Step);
    }

    [Fact]
    public void ATruncatedFileIsRefusedBeforeAnythingIsLoaded()
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();
        var path = CheckpointAfterOneStep(fixture);
        var bytes = File.ReadAllBytes(path);
        var truncated = fixture.File("truncated.ckpt");
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length - 40).ToArray());

        using var fresh = TrainingFixture.NewTrainer(TrainingFixture.Options(10));
        var before = TrainingFixture.Snapshot(fresh.Field);
        var error = Assert.Throws<InvalidDataException>(() => fresh.LoadCheckpoint(truncated));
        Assert.Contains("truncated.ckpt", error.Message);
        Assert.Contains("not a complete", error.Message);
        Assert.Equal(0, fresh.Step);
        TrainingFixture.AssertIdentical(before, TrainingFixture.Snapshot(fresh.Field), "weights");
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.ReadInfo(truncated));
        Assert.Throws<FileNotFoundException>(() => TrainingCheckpoint.ReadInfo(fixture.File("missing.ckpt")));
    }

    [Fact]
    public void InfoAndWeightsReadBackWithoutATrainer()
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();
        var path = fixture.File("run.ckpt");
        var options = TrainingFixture.Options(10);
        using var trainer = TrainingFixture.NewTrainer(options);
        trainer.Metadata["model"] = "TinyField(2, 16)";
        for (var s = 0; s < 4; s++) trainer.TrainStep(TrainingFixture.BatchAt(s));
        trainer.SaveCheckpoint(path);

        var info = TrainingCheckpoint.ReadInfo(path);
        Assert.Equal(4, info.Step);
        Assert.Equal(options.ToJson().ToJsonString(), info.Options.ToJson().ToJsonString());
        Assert.Equal(new[] { 0.9, 0.99 }, info.AverageDecays);
        Assert.Equal("TinyField(2, 16)", info.Metadata["model"]!.GetValue<string>());
        Assert.Equal(typeof(TinyField).FullName, info.FieldType);
        Assert.Equal(typeof(global::MeanFlow.Objectives.MeanFlowObjective).FullName, info.ObjectiveType);
        Assert.Equal(4, info.Configuration["averages"]![1]!["updates"]!.GetValue<long>());

        var weights = new TinyField(seed: 11);
        TrainingCheckpoint.LoadWeights(path, weights);
        TrainingFixture.AssertIdentical(TrainingFixture.Snapshot(trainer.Field), TrainingFixture.Snapshot(weights), "trained weights");
        TrainingCheckpoint.LoadWeights(path, weights, average: 1);
        TrainingFixture.AssertIdentical(trainer.Averages[1].StateDict().ToDictionary(p => p.Key, p => p.Value),
            TrainingFixture.Snapshot(weights), "averaged weights");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TrainingCheckpoint.LoadWeights(path, weights, average: 2));
        Assert.Equal("average", error.ParamName);
    }

    [Fact]
    public void AMismatchedTrainerIsRefusedWithTheReason()
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();
        var path = CheckpointAfterOneStep(fixture);

        using var wider = Trainer.Create(new TinyField(width: 8), new global::MeanFlow.Objectives.MeanFlowObjective(), TrainingFixture.Options(10));
        var shape = Assert.Throws<InvalidDataException>(() => wider.LoadCheckpoint(path));
        Assert.Contains("shape", shape.Message);

        using var oneAverage = TrainingFixture.NewTrainer(new TrainerOptions(10));
        Assert.Contains("average", Assert.Throws<InvalidDataException>(() => oneAverage.LoadCheckpoint(path)).Message);

        using var shortRun = TrainingFixture.NewTrainer(TrainingFixture.Options(10));
        for (var s = 0; s < 3; s++) shortRun.TrainStep(TrainingFixture.BatchAt(s));
        shortRun.SaveCheckpoint(path);
        using var shorter = TrainingFixture.NewTrainer(new TrainerOptions(2, emaDecays: new[] { 0.9, 0.99 }));
        var beyond = Assert.Throws<InvalidDataException>(() => shorter.LoadCheckpoint(path));
        Assert.Contains("step 3", beyond.Message);
        Assert.Equal(0, shorter.Step);

        using var adamW = TrainingFixture.NewTrainer(TrainingFixture.Options(10, optimizer: OptimizerKind.AdamW));
        Assert.Contains("AdamW", Assert.Throws<InvalidDataException>(() => adamW.LoadCheckpoint(path)).Message);

        var module = new TinyField(width: 8);
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.LoadWeights(path, module));
    }

    /// <summary>Trains one step of the fixture's trainer and saves its checkpoint as run.ckpt; returns the path.</summary>
    private static string CheckpointAfterOneStep(TrainingFixture fixture)
    {
        var path = fixture.File("run.ckpt");
        using var trainer = TrainingFixture.NewTrainer(TrainingFixture.Options(10));
        trainer.TrainStep(TrainingFixture.BatchAt(0));
        trainer.SaveCheckpoint(path);
        return path;
    }
}
