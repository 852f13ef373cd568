using System.Linq;
using MeanFlow.Reliability.Crash;
using Xunit;
using Xunit.Abstractions;

namespace MeanFlow.Tests.Training.Crash;

/// <summary>
/// Crash-safe training, in short: 3 SIGKILLs of a training process (one at a random moment, two just after the report
/// of a step that is followed by a checkpoint write), each followed by a resume from what is on disk. CrashTrials
/// checks after every kill that the checkpoint is the previous or the new complete one and that every loss equals the
/// uninterrupted run's bit for bit. The 20+ trial campaign: <c>dotnet run -c Release --project
/// benchmarks/MeanFlow.Reliability -- kill-trials --trials 24</c> (docs/articles/reliability.md).
/// </summary>
public class KillTrialsTests(ITestOutputHelper output)
{
    [Fact]
    public void KilledTrainingResumesFromACompleteCheckpointWithTheSameLosses()
    {
        var size = new TrainingChild.RunSize(Steps: 60, CheckpointEvery: 5, Width: 64, Depth: 2);
        var trials = CrashTrials.Kill(3, seed: 7, size, folder: null, output.WriteLine);
        Assert.Equal(3, trials.Count);
        Assert.Contains(trials, t => t.Moment.StartsWith("checkpoint"));
        Assert.True(trials.Sum(t => t.LossesCompared) > 0, "no loss was compared");
    }
}
