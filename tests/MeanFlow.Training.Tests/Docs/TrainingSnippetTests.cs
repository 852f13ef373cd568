using System.Collections.Generic;
using System.IO;
using MeanFlow.Data;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using MeanFlow.Training;

namespace MeanFlow.Tests.Docs;

/// <summary>The code of docs/articles/training.md (the article includes these regions), compiled and run.</summary>
public sealed class TrainingSnippetTests
{
    /// <summary>The options of the snippet, for the runs the test compares it with (checked equal below).</summary>
    private static TrainerOptions TheSnippetsOptions(string checkpointPath) => new(totalSteps: 20, learningRate: 1e-3,
        warmupSteps: 5, decay: LearningRateDecay.Cosine, emaDecays: new[] { 0.999, 0.9999 }, seed: 1,
        logEvery: 5, sampleEvery: 10, checkpointEvery: 10, checkpointPath: checkpointPath);

    [Fact]
    public void AnInterruptedRunResumesFromItsCheckpointExactly()
    {
        using var testScope = NewDisposeScope();
        using var folder = new TempFolder();
        var run = folder.Path;

        #region batch-of-step
        // The batch of step s is a function of s: a resumed run continues the data order by itself.
        TrainingBatch BatchAt(long step)
        {
            using var generator = new Generator((ulong)step);
            return new TrainingBatch(ToyDistributions.Sample(ToyDistribution.Checkerboard, 256, generator));
        }
        #endregion

        // An earlier run of the same configuration, stopped after 10 of its 20 steps (checkpoint of step 10).
        manual_seed(0);
        using var earlierField = new MlpVelocityField(dimension: 2);
        using (var earlier = Trainer.Create(earlierField, new MeanFlowObjective(), TheSnippetsOptions(Path.Combine(run, "checkpoint.bin"))))
            earlier.Run(Enumerable.Range(0, 10).Select(s => BatchAt(s)));
        manual_seed(1);   // another initialisation: the snippet's weights must come from the checkpoint

        #region training
        var field = new MlpVelocityField(dimension: 2);                    // any nn.Module + IVelocityField
        var options = new TrainerOptions(totalSteps: 20, learningRate: 1e-3,   // a real run: 20_000 steps
            warmupSteps: 5, decay: LearningRateDecay.Cosine,
            emaDecays: new[] { 0.999, 0.9999 }, seed: 1,
            logEvery: 5, sampleEvery: 10,
            checkpointEvery: 10, checkpointPath: Path.Combine(run, "checkpoint.bin"));

        using var trainer = Trainer.Create(field, new MeanFlowObjective(), options);
        trainer.Metadata["model"] = "MLP 2-256x4";                         // stored in checkpoints
        using var csv = new CsvTrainingLog(Path.Combine(run, "train.csv"), append: true);
        trainer.Progress.Add(csv);
        trainer.Progress.Add(new TensorBoardTrainingLog(Path.Combine(run, "tb")));
        var onCheckerboard = new List<double>();
        trainer.SampleDue += (_, e) =>
        {
            using var sampling = NewDisposeScope();
            using (trainer.UseAverage(1))                                  // sample with the EMA 0.9999 weights
            {
                var samples = new MeanFlowSampler().Sample(field, randn(1000, 2));
                onCheckerboard.Add(ToyDistributions.OnCheckerboard(samples).to(float64).mean().item<double>());
            }
        };

        if (File.Exists(options.CheckpointPath)) trainer.LoadCheckpoint(options.CheckpointPath);
        trainer.Run(step => BatchAt(step));                                // step: 0-based index of the step to feed
        #endregion

        Assert.Equal(TheSnippetsOptions(options.CheckpointPath!).ToJson().ToJsonString(), options.ToJson().ToJsonString());
        Assert.Equal(20, trainer.Step);
        // Steps 11-20 ran here: reports at 15 and 20 (appended to a new file: header first), one sample at 20.
        var rows = File.ReadAllLines(csv.Path);
        Assert.Equal(new[] { CsvTrainingLog.Header, "15", "20" }, rows.Select((row, i) => i == 0 ? row : row.Split(',')[0]));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "tb"), "events.out.tfevents.*"));
        var fraction = Assert.Single(onCheckerboard);
        Assert.InRange(fraction, 0.0, 1.0);
        var info = TrainingCheckpoint.ReadInfo(options.CheckpointPath!);
        Assert.Equal(20, info.Step);
        Assert.Equal("MLP 2-256x4", (string?)info.Metadata["model"]);
        Assert.Equal(new[] { 0.999, 0.9999 }, info.AverageDecays);

        // The resumed run ends with exactly the weights of an uninterrupted one.
        manual_seed(0);
        using var straightField = new MlpVelocityField(dimension: 2);
        using (var straight = Trainer.Create(straightField, new MeanFlowObjective(), TheSnippetsOptions(Path.Combine(run, "straight.bin"))))
            straight.Run(step => BatchAt(step));
        var (resumed, uninterrupted) = (field.parameters().ToArray(), straightField.parameters().ToArray());
        Assert.Equal(uninterrupted.Length, resumed.Length);
        for (var i = 0; i < resumed.Length; i++)
            Assert.True(Identical(resumed[i], uninterrupted[i]), $"parameter {i} differs from the uninterrupted run's");
        field.Dispose();
    }
}
