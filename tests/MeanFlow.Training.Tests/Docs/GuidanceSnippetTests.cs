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

        using var trainer = Trainer.Create(field, objective, new TrainerOptions(totalSteps: 400, learningRate: 3e-3));
        trainer.Run(step =>
        {
            var x = ToyDistributions.Sample(ToyDistribution.EightGaussians, 128, data);
            var angle = atan2(x[.., 1], x[.., 0]);   // class = which of the 8 modes
            var labels = (angle / (Math.PI / 4)).round().remainder(classes).to(int64);
            return new TrainingBatch(x, labels);
        });

        // Sampling: one network call per sample; the guidance is already in u.
        var wanted = full(200, 3L, dtype: int64);   // 200 samples of class 3
        var samples = new MeanFlowSampler().Sample(field, randn(200, 2), wanted);
        #endregion
        Assert.Equal(2.0, guidance.EffectiveScale, 12);
        Assert.Equal(400, trainer.Step);
        Assert.Equal(new long[] { 200, 2 }, samples.shape);

        // The samples follow the requested class: the mode nearest to each sample (the class of the data) is the one
        // asked for. By chance (an unconditional model) the fraction is 1/8. This seeded run reaches 0.495 (class 3) and
        // 0.890 (class 6); initial seeds 1 and 2 reach 0.965/1.000 and 0.690/0.990. The bound is the lowest, 0.495, minus
        // 4 standard errors of a proportion over 200 samples, 4·sqrt(0.495·0.505/200) = 0.141: 0.35, which is still
        // 16 standard errors above chance (σ = sqrt(0.125·0.875/200) = 0.023).
        foreach (var @class in new[] { 3L, 6L })
        {
            var drawn = new MeanFlowSampler().Sample(field, randn(new long[] { Samples, 2 }, generator: new Generator(10 + (ulong)@class)),
                full(Samples, @class, dtype: int64));
            var nearest = (atan2(drawn[.., 1], drawn[.., 0]) / (Math.PI / 4)).round().remainder(classes).to(int64);
            var fraction = (nearest == @class).to(float64).mean().item<double>();
            Console.WriteLine($"class {@class}: fraction {fraction:F3}");
            Assert.True(fraction >= MinimumFraction, $"class {@class}: only {fraction:P1} of {Samples} guided samples lie nearest mode {@class}.");
        }
    }

    private const int Samples = 200;
    private const double MinimumFraction = 0.35;
}
