using System;
using System.Globalization;
using System.IO;
using System.Linq;
using MeanFlow.Reliability.Fuzz;

namespace MeanFlow.Reliability;

/// <summary>
/// Reliability campaigns (docs/articles/reliability.md):
/// <list type="bullet">
/// <item><c>fuzz [--seconds 600] [--seed 1] [--target name,...] [--out fuzz-out]</c>: mutation fuzzing of every reader of outside bytes.</item>
/// <item><c>seeds FOLDER</c>: writes the fuzz seeds as a corpus folder; <c>replay FOLDER</c>: runs a corpus folder.</item>
/// <item><c>train ...</c> and <c>kill-trials ...</c>: crash-safe training (see <see cref="Crash.CrashTrials"/>).</item>
/// </list>
/// </summary>
public static class Program
{
    /// <summary>Entry point; the exit code is 0 when nothing undocumented happened.</summary>
    public static int Main(string[] args)
    {
        TorchSharp.torch.set_num_threads(1);
        var mode = args.FirstOrDefault() ?? "";
        switch (mode)
        {
            case "fuzz":
                var targets = Value(args, "--target") is { } names ? names.Split(',').Select(FuzzTargets.Named).ToArray() : FuzzTargets.All.ToArray();
                return FuzzCommand.Fuzz(Number(args, "--seconds", 600), (int)Number(args, "--seed", 1), Value(args, "--out") ?? "fuzz-out", targets);
            case "seeds" when args.Length > 1:
                return FuzzCommand.WriteSeeds(args[1], FuzzTargets.All);
            case "replay" when args.Length > 1:
                return FuzzCommand.Replay(args[1]) == 0 ? 0 : 1;
            case Crash.TrainingChild.Mode:
                return Crash.TrainingChild.Run(args.Skip(1).ToArray());
            case Crash.CrashTrials.Mode:
                return Crash.CrashTrials.Run((int)Number(args, "--trials", 20), (int)Number(args, "--seed", 1), Value(args, "--out"));
            default:
                Console.Error.WriteLine("usage: MeanFlow.Reliability fuzz [--seconds S] [--seed N] [--target a,b] [--out DIR] | seeds DIR | replay DIR | kill-trials [--trials N] [--seed N]");
                return 2;
        }
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static double Number(string[] args, string name, double fallback) =>
        Value(args, name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
