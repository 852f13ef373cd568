using System;
using System.Globalization;
using System.IO;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Reliability.Crash;

/// <summary>
/// The process that <see cref="CrashTrials"/> kills: trains a small MLP on a toy mixture through <see cref="Trainer"/>
/// with a checkpoint every few steps at <c>folder/run.ckpt</c>, resuming from it when present. It prints one line per
/// event on stdout: <c>START step</c>, <c>LOSS step bits</c> (the loss's IEEE-754 bits in hex, for bitwise comparison),
/// <c>SAVED step</c> and <c>DONE</c>.
/// </summary>
public static class TrainingChild
{
    /// <summary>The command-line mode.</summary>
    public const string Mode = "train";

    /// <summary>The checkpoint's file name in the run's folder.</summary>
    public const string CheckpointName = "run.ckpt";

    /// <summary>The size of a run.</summary>
    /// <param name="Steps">Total steps.</param>
    /// <param name="CheckpointEvery">Steps between checkpoints.</param>
    /// <param name="Width">Hidden width of the MLP (the checkpoint grows with its square).</param>
    /// <param name="Depth">Hidden layers.</param>
    public sealed record RunSize(int Steps, int CheckpointEvery, int Width, int Depth)
    {
        /// <summary>The arguments that reproduce this size on the command line.</summary>
        public string[] Arguments(string folder) => new[]
        {
            Mode, folder, Steps.ToString(CultureInfo.InvariantCulture), CheckpointEvery.ToString(CultureInfo.InvariantCulture),
            Width.ToString(CultureInfo.InvariantCulture), Depth.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Runs (or resumes) a training run; args: folder steps checkpointEvery width depth.</summary>
    public static int Run(string[] args)
    {
        var folder = args[0];
        var size = new RunSize(Int(args[1]), Int(args[2]), Int(args[3]), Int(args[4]));
        var path = Path.Combine(folder, CheckpointName);
        using var trainer = NewTrainer(size, path);
        if (File.Exists(path)) trainer.LoadCheckpoint(path);
        var output = Console.Out;
        output.WriteLine($"START {trainer.Step}");
        trainer.Progress.Add(new Progress(m => output.WriteLine($"LOSS {m.Step} {BitConverter.DoubleToInt64Bits(m.Loss):X16}")));
        trainer.CheckpointSaved += (_, e) => output.WriteLine($"SAVED {e.Step}");
        trainer.Run(BatchAt);
        output.WriteLine("DONE");
        return 0;
    }

    /// <summary>The trainer of a run (a fresh MLP seeded identically every time).</summary>
    public static Trainer<MlpVelocityField> NewTrainer(RunSize size, string? checkpointPath)
    {
        manual_seed(17);
        var field = new MlpVelocityField(2, width: size.Width, depth: size.Depth, frequencies: 8);
        return Trainer.Create(field, new MeanFlowObjective(),
            new TrainerOptions(size.Steps, learningRate: 1e-3, warmupSteps: 5, decay: LearningRateDecay.Cosine, maxGradientNorm: 1.0,
                emaDecays: new[] { 0.99 }, seed: 5, logEvery: 1, checkpointEvery: checkpointPath is null ? 0 : size.CheckpointEvery,
                checkpointPath: checkpointPath));
    }

    /// <summary>The batch of step s (0-based): 64 points of a mixture of 4 Gaussians, a function of s only.</summary>
    public static TrainingBatch BatchAt(long step)
    {
        using var generator = new Generator(1000 + (ulong)step);
        var centres = tensor(new float[] { 2, 0, 0, 2, -2, 0, 0, -2 }).reshape(4, 2);
        var which = randint(0, 4, new long[] { 64 }, generator: generator);
        return new TrainingBatch(centres.index_select(0, which) + 0.2f * randn(new long[] { 64, 2 }, generator: generator));
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private sealed class Progress(Action<TrainingMetrics> report) : IProgress<TrainingMetrics>
    {
        public void Report(TrainingMetrics value) => report(value);
    }
}
