using System.Collections.Generic;
using System.IO;
using MeanFlow.Objectives;
using MeanFlow.Training;

namespace MeanFlow.Tests.Training;

/// <summary>Deterministic data, trainers and a temporary folder for the training tests.</summary>
internal sealed class TrainingFixture : IDisposable
{
    internal TrainingFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "meanflow-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    internal string Folder { get; }

    internal string File(string name) => Path.Combine(Folder, name);

    /// <summary>The batch of a step: 16 rows of N((1.5, −0.5), diag(0.3², 1.2²)), a function of the step only.</summary>
    internal static TrainingBatch BatchAt(long step)
    {
        using var generator = new Generator(1000 + (ulong)step);
        var x = randn(new long[] { 16, 2 }, dtype: float64, generator: generator) * tensor(new[] { 0.3, 1.2 }, dtype: float64)
                + tensor(new[] { 1.5, -0.5 }, dtype: float64);
        return new TrainingBatch(x);
    }

    internal static TrainerOptions Options(long totalSteps, long checkpointEvery = 0, string? checkpointPath = null,
        OptimizerKind optimizer = OptimizerKind.Adam, long logEvery = 1) =>
        new(totalSteps, optimizer: optimizer, learningRate: 1e-2, warmupSteps: 3, decay: LearningRateDecay.Cosine,
            minLearningRate: 1e-3, maxGradientNorm: 0.5, emaDecays: new[] { 0.9, 0.99 }, seed: 42, logEvery: logEvery,
            checkpointEvery: checkpointEvery, checkpointPath: checkpointPath);

    /// <summary>A MeanFlow trainer on a fresh <see cref="TinyField"/> (half the rows with r ≠ t).</summary>
    internal static Trainer<TinyField> NewTrainer(TrainerOptions options, ulong fieldSeed = 1) =>
        Trainer.Create(new TinyField(seed: fieldSeed),
            new MeanFlowObjective(timeSampler: new global::MeanFlow.TimeSampling.MeanFlowTimeSampler(distinctFraction: 0.5)), options);

    /// <summary>Records every loss reported.</summary>
    internal sealed class LossRecorder : IProgress<TrainingMetrics>
    {
        internal List<(long Step, double Loss)> Losses { get; } = new();
        internal List<TrainingMetrics> Reports { get; } = new();

        public void Report(TrainingMetrics value)
        {
            Losses.Add((value.Step, value.Loss));
            Reports.Add(value);
        }
    }

    /// <summary>Detached copies of a module's parameters and buffers, by name.</summary>
    internal static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, b.buffer)))
            .ToDictionary(p => p.Item1, p => p.Item2.detach().clone().DetachFromDisposeScope());

    internal static void AssertIdentical(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual, string what)
    {
        Xunit.Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
        foreach (var (name, tensor) in expected)
            Xunit.Assert.True((tensor == actual[name]).all().item<bool>(),
                $"{what}: '{name}' differs (max |Δ| = {(tensor - actual[name]).abs().max().ToDouble():E3})");
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
