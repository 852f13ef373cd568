using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using MeanFlow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Benchmarks;

/// <summary>
/// <c>--soak N</c>: N MeanFlow training steps of a small MLP through <see cref="Trainer"/> (optimizer, averages,
/// gradient clipping, a checkpoint every 1,000 steps), recording the resident memory (VmRSS) every 500 steps after a
/// full garbage collection, and the least-squares slope of RSS over steps from step 1,000 on (the first steps pay
/// libtorch's one-off allocations). A leak — a tensor outside a dispose scope, a file handle — shows as a positive slope.
/// </summary>
internal static class MemorySoak
{
    internal const int SampleEvery = 500;
    private const int WarmupSteps = 1000;

    internal static int Run(int steps)
    {
        if (steps < 2 * WarmupSteps) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"--soak needs at least {2 * WarmupSteps} steps.");
        Machine.UseBenchmarkThreads();
        var folder = Path.Combine(Path.GetTempPath(), $"meanflow-soak-{Guid.NewGuid():N}");
        var samples = new List<(long Step, double MiB)>();
        var clock = Stopwatch.StartNew();
        try
        {
            manual_seed(1);
            using var trainer = Trainer.Create(new MlpVelocityField(2, width: 128, depth: 3), new MeanFlowObjective(),
                new TrainerOptions(steps, learningRate: 1e-3, maxGradientNorm: 1.0, emaDecays: new[] { 0.999 }, seed: 3,
                    logEvery: steps, checkpointEvery: 1000, checkpointPath: Path.Combine(folder, "soak.ckpt")));
            Console.WriteLine($"# memory soak: {steps} steps, MLP 2→128×3, batch 256, {Machine.Describe()}");
            trainer.Run(step =>
            {
                if (step % SampleEvery == 0) samples.Add((step, Sample(step, clock)));
                return Batch(step);
            });
            samples.Add((steps, Sample(steps, clock)));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        var fitted = samples.Where(s => s.Step >= WarmupSteps).ToList();
        var slope = Slope(fitted) * 1000;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RSS {fitted[0].MiB:F1} MiB at step {fitted[0].Step}, {fitted[^1].MiB:F1} MiB at step {fitted[^1].Step}; " +
            $"least-squares slope over steps ≥ {WarmupSteps}: {slope:+0.000;-0.000} MiB per 1,000 steps; {clock.Elapsed.TotalSeconds:F0} s"));
        return 0;
    }

    private static double Sample(long step, Stopwatch clock)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var mib = ProcStatus.ResidentKiB() / 1024.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step,6}: VmRSS {mib,8:F1} MiB  ({clock.Elapsed.TotalSeconds:F0} s)"));
        return mib;
    }

    /// <summary>The batch of a step: 256 points of a ring of 8 Gaussians.</summary>
    private static TrainingBatch Batch(long step)
    {
        using var generator = new Generator(100 + (ulong)step);
        var angle = randint(0, 8, new long[] { 256 }, generator: generator).to(ScalarType.Float32) * (float)(Math.PI / 4);
        var x = stack(new[] { cos(angle), sin(angle) }, 1) * 2f + 0.1f * randn(new long[] { 256, 2 }, generator: generator);
        return new TrainingBatch(x);
    }

    private static double Slope(IReadOnlyList<(long Step, double MiB)> points)
    {
        double meanX = points.Average(p => (double)p.Step), meanY = points.Average(p => p.MiB);
        return points.Sum(p => (p.Step - meanX) * (p.MiB - meanY)) / points.Sum(p => (p.Step - meanX) * (p.Step - meanX));
    }
}
