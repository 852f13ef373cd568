using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace MeanFlow.Benchmarks;

/// <summary>
/// Native peak memory of each training-step case. Every case runs in a fresh child process: it builds the model and
/// the batch, takes VmRSS as its baseline, resets VmHWM, runs one step (the first step also pays one-off
/// allocations of libtorch), reads the peak, resets again and runs the remaining steps. Reported: the peak increase
/// over the baseline during the first step and during the later steps, and the RSS left after the last step.
/// </summary>
internal static class MemoryProbe
{
    internal const string ChildFlag = "--memory-child";
    private const string Marker = "MEMORY ";

    private sealed record Result(Backbone Backbone, TrainingCase Case, long BaselineKiB, long FirstPeakKiB, long LaterPeakKiB,
        long AfterKiB, bool PeakWasReset, long DistinctRows);

    internal static int RunAll(IReadOnlyList<Backbone> backbones, IReadOnlyList<TrainingCase> cases, int steps, string outputPath)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "--steps must be ≥ 2 (one first step and at least one later step).");
        var loadBefore = Machine.LoadAverage();
        Console.WriteLine($"# Native memory per training step, {steps} steps per case, one child process per case; {Machine.Describe()}");
        var results = new List<Result>();
        foreach (var backbone in backbones)
            foreach (var @case in cases)
            {
                var result = RunCase(backbone, @case, steps);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{backbone} {@case}: baseline {Mib(result.BaselineKiB)} MiB, first step +{Mib(result.FirstPeakKiB)} MiB, later steps +{Mib(result.LaterPeakKiB)} MiB"));
                results.Add(result);
            }
        var table = Format(results, steps, loadBefore, Machine.LoadAverage());
        Console.WriteLine();
        Console.WriteLine(table);
        var folder = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        Directory.CreateDirectory(folder);
        var temporary = outputPath + ".tmp";
        File.WriteAllText(temporary, table);
        File.Move(temporary, outputPath, overwrite: true);
        Console.WriteLine($"Written to {Path.GetFullPath(outputPath)}");
        return 0;
    }

    private static Result RunCase(Backbone backbone, TrainingCase @case, int steps)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(MemoryProbe).Assembly.Location);
        foreach (var a in new[] { ChildFlag, backbone.ToString(), @case.ToString(), steps.ToString(CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {self}.");
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"The memory probe for {backbone} {@case} failed (exit code {process.ExitCode}):\n{output}\n{errors.Result}");
        var f = line[Marker.Length..].Trim().Split(' ').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new Result(backbone, @case, f[0], f[1], f[2], f[3], f[4] == 1, f[5]);
    }

    /// <summary>The child: args are backbone, case, steps. Prints one line "MEMORY baseline first later after reset rows" (KiB).</summary>
    internal static int RunChild(string[] args)
    {
        var backbone = Enum.Parse<Backbone>(args[0]);
        var @case = Enum.Parse<TrainingCase>(args[1]);
        var steps = int.Parse(args[2], CultureInfo.InvariantCulture);
        Machine.UseBenchmarkThreads();
        using var workload = new TrainingWorkload(backbone, @case);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = ProcStatus.ResidentKiB();
        var reset = ProcStatus.TryResetPeak();
        workload.Step();
        var first = ProcStatus.PeakKiB() - baseline;
        reset &= ProcStatus.TryResetPeak();
        for (var i = 1; i < steps; i++) workload.Step();
        var later = ProcStatus.PeakKiB() - baseline;
        var after = ProcStatus.ResidentKiB() - baseline;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Marker}{baseline} {first} {later} {after} {(reset ? 1 : 0)} {workload.DistinctRows}"));
        return 0;
    }

    private static string Format(IReadOnlyList<Result> results, int steps, string loadBefore, string loadAfter)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Native peak memory per training step (VmHWM − VmRSS after model creation, MiB), batch {Backbones.BatchSize}, {steps} steps per case, each case in a fresh process.");
        text.AppendLine(CultureInfo.InvariantCulture, $"{Machine.Describe()}; load average before {loadBefore}, after {loadAfter}.");
        if (results.Any(r => !r.PeakWasReset))
            text.AppendLine("Note: VmHWM could not be reset here, so peaks include model creation and the later-steps column equals the first.");
        text.AppendLine();
        foreach (var group in results.GroupBy(r => r.Backbone))
        {
            var fm = group.FirstOrDefault(r => r.Case == TrainingCase.FlowMatching);
            text.AppendLine(CultureInfo.InvariantCulture, $"{group.Key} (baseline RSS after model creation {Mib(group.First().BaselineKiB)} MiB):");
            text.AppendLine();
            text.AppendLine("| Case | r ≠ t rows | peak, first step (MiB) | peak, later steps (MiB) | × FM (later) | RSS left after steps (MiB) |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var r in group)
            {
                var ratio = fm is null || fm.LaterPeakKiB <= 0 ? "" : (r.LaterPeakKiB / (double)fm.LaterPeakKiB).ToString("F2", CultureInfo.InvariantCulture);
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Case} | {r.DistinctRows} | {Mib(r.FirstPeakKiB)} | {Mib(r.LaterPeakKiB)} | {ratio} | {Mib(r.AfterKiB)} |");
            }
            text.AppendLine();
        }
        return text.ToString();
    }

    private static string Mib(long kib) => (kib / 1024.0).ToString("F0", CultureInfo.InvariantCulture);
}
