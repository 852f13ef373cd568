using MeanFlow.Objectives;
using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

public class TrainerStepTests
{
    /// <summary>The first Adam step has m̂ = g and v̂ = g², so θ₁ = θ₀ − lr·g/(|g| + ε) elementwise, with g = ∇L + wd·θ₀
    /// (Adam, L2) or θ₁ = θ₀·(1 − lr·wd) − lr·∇L/(|∇L| + ε) (AdamW); lr is the warm-up's lr/W.</summary>
    [Theory]
    [InlineData(OptimizerKind.Adam, 0.0)]
    [InlineData(OptimizerKind.Adam, 0.3)]
    [InlineData(OptimizerKind.AdamW, 0.3)]
    public void FirstStepMatchesTheClosedFormUpdate(OptimizerKind kind, double weightDecay)
    {
        using var scope = NewDisposeScope();
        const double peak = 0.1, epsilon = 1e-8;
        var options = new TrainerOptions(10, optimizer: kind, learningRate: peak, epsilon: epsilon, weightDecay: weightDecay,
            warmupSteps: 4, emaDecays: Array.Empty<double>(), seed: 3);
        var objective = new MeanFlowObjective(timeSampler: new global::MeanFlow.TimeSampling.MeanFlowTimeSampler(distinctFraction: 0.5));
        var batch = TrainingFixture.BatchAt(0);

        // Independent computation on an identical copy of the field, with the trainer's seed.
        var reference = new TinyField();
        using var generator = new Generator(3);
        var output = objective.Compute(reference, batch.Data, null, generator);
        output.Loss.backward();
        var before = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var gradients = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        var norm = Math.Sqrt(gradients.Values.Sum(g => g.square().sum().ToDouble()));

        using var trainer = Trainer.Create(new TinyField(), objective, options);
        var result = trainer.TrainStep(batch);

        Assert.Equal(output.Loss.ToDouble(), result.Loss);
        Assert.Equal(peak / 4, result.LearningRate);
        Assert.True(Math.Abs(result.GradientNorm - norm) <= 1e-14 * norm, $"gradient norm {result.GradientNorm:R} vs {norm:R}");
        var lr = peak / 4;
        foreach (var (name, parameter) in trainer.Field.named_parameters())
        {
            var theta = before[name];
            var g = kind == OptimizerKind.Adam ? gradients[name] + weightDecay * theta : gradients[name];
            var decayed = kind == OptimizerKind.AdamW ? theta * (1 - lr * weightDecay) : theta;
            var expected = decayed - lr * g / (g.abs() + epsilon);
            TestTensors.AssertClose(parameter - theta, expected - theta, 1e-12, $"update of {name}");
        }
    }

    [Fact]
    public void GradientNormIsTheGlobalNormAndClippingScalesToTheLimit()
    {
        using var scope = NewDisposeScope();
        var field = new TinyField();
        new MeanFlowObjective().Compute(field, TrainingFixture.BatchAt(0).Data, null, new Generator(1)).Loss.backward();
        var parameters = field.parameters().ToArray();
        var flat = cat(parameters.Select(p => p.grad!.flatten()).ToArray());
        var norm = flat.norm().ToDouble();

        Assert.True(Math.Abs(GradientNorm.Of(parameters) - norm) <= 1e-14 * norm);
        Assert.Equal(1.0, GradientNorm.Clip(parameters, norm, 2 * norm));         // within the limit: untouched
        TestTensors.AssertClose(cat(parameters.Select(p => p.grad!.flatten()).ToArray()), flat, 0.0);

        var max = norm / 3;
        var factor = GradientNorm.Clip(parameters, norm, max);
        Assert.Equal(max / (norm + 1e-6), factor);
        TestTensors.AssertClose(cat(parameters.Select(p => p.grad!.flatten()).ToArray()), flat * factor, 1e-15);
        Assert.True(Math.Abs(GradientNorm.Of(parameters) - norm * factor) <= 1e-14 * norm);
    }

    [Fact]
    public void SampleDueFiresAtIntervalsAndTheLastStepAndUseAverageSwapsWeights()
    {
        using var scope = NewDisposeScope();
        using var trainer = Trainer.Create(new TinyField(), new FlowMatchingObjective(),
            new TrainerOptions(7, learningRate: 1e-2, emaDecays: new[] { 0.5 }, sampleEvery: 3));
        var steps = new System.Collections.Generic.List<long>();
        trainer.SampleDue += (sender, e) =>
        {
            Assert.Same(trainer, sender);
            steps.Add(e.Step);
            var weights = TrainingFixture.Snapshot(trainer.Field);
            using (trainer.UseAverage(0))
            {
                Assert.False(trainer.Field.training);
                TrainingFixture.AssertIdentical(trainer.Averages[0].StateDict().ToDictionary(p => p.Key, p => p.Value),
                    TrainingFixture.Snapshot(trainer.Field), "averaged weights");
            }
            Assert.True(trainer.Field.training);
            TrainingFixture.AssertIdentical(weights, TrainingFixture.Snapshot(trainer.Field), "restored weights");
        };
        trainer.Run(TrainingFixture.BatchAt);
        Assert.Equal(new long[] { 3, 6, 7 }, steps);
        Assert.True(trainer.IsComplete);
        Assert.Throws<InvalidOperationException>(() => trainer.TrainStep(TrainingFixture.BatchAt(7)));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.UseAverage(1));
    }

    [Fact]
    public void CancellationWritesACheckpointOfTheLastCompletedStep()
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();
        using var cancellation = new System.Threading.CancellationTokenSource();
        var path = fixture.File("run.ckpt");
        using var trainer = TrainingFixture.NewTrainer(new TrainerOptions(20, checkpointEvery: 100, checkpointPath: path));
        Assert.Throws<OperationCanceledException>(() => trainer.Run(step =>
        {
            if (step == 3) cancellation.Cancel();
            return TrainingFixture.BatchAt(step);
        }, cancellation.Token));
        Assert.Equal(4, trainer.Step);
        Assert.Equal(4, TrainingCheckpoint.ReadInfo(path).Step);
    }
}
