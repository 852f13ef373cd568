using System.Collections.Generic;
using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

public class TrainerMemoryTests
{
    /// <summary>Every tensor a step creates (batch, objective, gradients' temporaries, averages, logging, checkpoints)
    /// is freed by the step's dispose scope: the number of live tensors is flat after the first steps.</summary>
    [Fact]
    public void LiveTensorCountStaysFlatOverFiftySteps()
    {
        using var fixture = new TrainingFixture();
        var options = new TrainerOptions(50, learningRate: 1e-2, warmupSteps: 5, decay: LearningRateDecay.Cosine,
            maxGradientNorm: 0.5, emaDecays: new[] { 0.9, 0.99 }, logEvery: 5, checkpointEvery: 10,
            checkpointPath: fixture.File("run.ckpt"));
        using var trainer = TrainingFixture.NewTrainer(options);
        using var log = new CsvTrainingLog(fixture.File("log.csv"));
        trainer.Progress.Add(log);
        var live = new Dictionary<long, long>();
        trainer.Run(step =>
        {
            live[step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            return TrainingFixture.BatchAt(step);
        });

        Assert.Equal(50, trainer.Step);
        // Step 0 precedes the optimizer's lazily created gradients; from step 2 on nothing may accumulate.
        for (var step = 3; step < 50; step++)
            Assert.True(live[step] == live[2], $"live tensors before step {step}: {live[step]}, before step 2: {live[2]}");
    }
}
