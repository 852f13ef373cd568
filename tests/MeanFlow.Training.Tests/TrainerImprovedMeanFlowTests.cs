using System;
using System.Linq;
using MeanFlow.Guidance;
using MeanFlow.Losses;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Training;

/// <summary>The trainer drives the improved-MeanFlow objective through <see cref="IObjective"/> on a two-head field.</summary>
public class TrainerImprovedMeanFlowTests
{
    private static GuidedMlpVelocityField Field()
    {
        manual_seed(5);
        var field = new GuidedMlpVelocityField(2, width: 32, depth: 2, classes: 2, timeScale: 1.0);
        field.to(float64);
        return field;
    }

    [Fact]
    public void ATrainerStepHasTheObjectivesLossOnTheTrainersDrawsAndTrainingLowersIt()
    {
        using var scope = NewDisposeScope();
        // Plain squared errors (p = 0), so that the loss measures progress (the adaptive p = 1 loss saturates near 2).
        var objective = new ImprovedMeanFlowObjective(weighting: new ConstantLossWeighting(), guidance: new GuidanceConditionSampler(nullClass: 2));
        var data = new Generator(9);
        TrainingBatch BatchAt(long step)
        {
            var x = randn(new long[] { 64, 2 }, dtype: float64, generator: data) * 0.5 + 1.0;
            return new TrainingBatch(x, (x[.., 0] > 1.0).to(ScalarType.Int64));
        }
        var first = BatchAt(0);
        using var generator = new Generator(3);
        var expected = objective.Compute(Field(), first.Data, first.Labels, generator).Loss.item<double>();

        using var trainer = Trainer.Create(Field(), objective,
            new TrainerOptions(150, learningRate: 3e-3, emaDecays: Array.Empty<double>(), seed: 3));
        var firstStep = trainer.TrainStep(first);
        Assert.Equal(expected, firstStep.Loss);
        Assert.Equal(32, firstStep.DistinctRows);

        var losses = Enumerable.Range(1, 149).Select(s => trainer.TrainStep(BatchAt(s)).Loss).ToArray();
        double early = losses.Take(25).Average(), late = losses.TakeLast(25).Average();
        Assert.True(late < 0.8 * early, $"mean loss of the first 25 steps {early:G4}, of the last 25 {late:G4}");
    }
}
