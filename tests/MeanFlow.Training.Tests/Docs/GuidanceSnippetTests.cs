using MeanFlow.Data;
using MeanFlow.Guidance;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Sampling;
using MeanFlow.Training;

namespace MeanFlow.Tests.Docs;

/// <summary>The guidance article's code (docs/articles/guidance.md includes the region), compiled and run.</summary>
public class GuidanceSnippetTests
{
    [Fact]
    public void ConditionalFieldTrainsWithGuidanceAndSamplesInOneStep()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var data = new Generator(1);
        #region guidance
        const int classes = 8;   // the eight Gaussians, one class each; label 8 is the null class ∅
        var field = new MlpVelocityField(dimension: 2, width: 64, depth: 2, classes: classes);
        var guidance = new ClassifierFreeGuidance(nullClass: classes, scale: 1.0, mixing: 0.5, dropProbability: 0.1);
        // effective scale ω / (1 − κ) = 2
        var objective = new MeanFlowObjective(guidance: guidance);

        using var trainer = Trainer.Create(field, objective, new TrainerOptions(totalSteps: 20, learningRate: 1e-3));
        trainer.Run(step =>
        {
            var x = ToyDistributions.Sample(ToyDistribution.EightGaussians, 128, data);
            var angle = atan2(x[.., 1], x[.., 0]);   // class = which of the 8 modes
            var labels = (angle / (Math.PI / 4)).round().remainder(classes).to(int64);
            return new TrainingBatch(x, labels);
        });

        // Sampling: one network call per sample; the guidance is already in u.
        var wanted = full(16, 3L, dtype: int64);   // 16 samples of class 3
        var samples = new MeanFlowSampler().Sample(field, randn(16, 2), wanted);
        #endregion
        Assert.Equal(2.0, guidance.EffectiveScale, 12);
        Assert.Equal(20, trainer.Step);
        Assert.Equal(new long[] { 16, 2 }, samples.shape);
        Assert.True(samples.isfinite().all().item<bool>());
    }
}
