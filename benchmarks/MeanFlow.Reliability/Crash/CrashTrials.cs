using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using MeanFlow.Training;

namespace MeanFlow.Reliability.Crash;

/// <summary>What one kill found.</summary>
/// <param name="Trial">1-based.</param>
/// <param name="Moment">"random" (a random time into the run) or "checkpoint" (a random time after the last step
/// before a checkpoint was reported, i.e. while the checkpoint is being written).</param>
/// <param name="DelayMs">Milliseconds from the trigger to the kill.</param>
/// <param name="ResumedFrom">The step the killed process started from (0 = fresh).</param>
/// <param name="LastLossStep">The last step the killed process reported.</param>
/// <param name="CheckpointStep">The step of the checkpoint on disk after the kill (0 = none).</param>
/// <param name="MidWrite">Whether a temporary checkpoint file was left behind: the kill hit a checkpoint write.</param>
/// <param name="LossesCompared">Losses of this segment compared bitwise with the uninterrupted run.</param>
public sealed record KillTrial(int Trial, string Moment, int DelayMs, long ResumedFrom, long LastLossStep, long CheckpointStep,
    bool MidWrite, int LossesCompared);

/// <summary>
/// Crash-safe training: runs <see cref="TrainingChild"/> once uninterrupted (the reference losses), then starts it again
/// and again in one folder, killing it with SIGKILL at random moments — half of them while a checkpoint is written —
/// and resuming each time from what is on disk. After every kill the checkpoint must be the previous or the new
/// complete one (it loads, its step is the last one saved or the one being saved), and every loss any process
/// reports must equal the uninterrupted run's bit for bit.
/// </summary>
public static class CrashTrials
{
    /// <summary>The command-line mode.</summary>
    public const string Mode = "kill-trials";

    /// <summary>The run of the command-line campaign: checkpoints of about 9 MB (so a write takes a while).</summary>
    public static TrainingChild.RunSize CampaignSize { get; } = new(Steps: 400, CheckpointEvery: 10, Width: 512, Depth: 3);

    /// <summary>Runs <paramref name="trials"/> kills; prints a table and returns 0 when every check passed.</summary>
    public static int Run(int trials, int seed, string? folder)
    {
        var results = Kill(trials, seed, CampaignSize, folder, Console.WriteLine);
        Console.WriteLine($"\n{results.Count} kills, {results.Count(r => r.MidWrite)} during a checkpoint write, " +
                          $"{results.Sum(r => r.LossesCompared)} losses compared bitwise; all checks passed.");
        return 0;
    }

    /// <summary>Runs the trials and checks every one; throws <see cref="InvalidOperationException"/> on the first failed check.</summary>
    /// <param name="trials">The number of kills.</param>
    /// <param name="seed">Seeds the kill moments.</param>
    /// <param name="size">The run.</param>
    /// <param name="folder">Where the runs live; <c>null</c> for a temporary folder (deleted afterwards).</param>
    /// <param name="log">Receives one line per trial.</param>
    public static IReadOnlyList<KillTrial> Kill(int trials, int seed, TrainingChild.RunSize size, string? folder, Action<string> log)
    {
        var root = folder ?? Path.Combine(Path.GetTempPath(), $"meanflow-kill-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            var reference = Segment(Path.Combine(root, "reference"), size, null, 0);
            if (!reference.Done || reference.Losses.Count != size.Steps)
                throw new InvalidOperationException($"The uninterrupted run did not finish: {reference.Output}");
            log($"reference: {size.Steps} steps, checkpoint every {size.CheckpointEvery}, width {size.Width}, depth {size.Depth}, {reference.Elapsed.TotalSeconds:F1} s");

            var random = new Random(seed);
            var results = new List<KillTrial>();
            var run = 0;
            var chain = Path.Combine(root, $"run-{run}");
            long lastSaved = 0;
            var stepTime = reference.TrainingTime.TotalMilliseconds / size.Steps;
            var writeTime = reference.WriteTime.TotalMilliseconds;
            log(string.Create(CultureInfo.InvariantCulture, $"step {stepTime:F1} ms, checkpoint write {writeTime:F1} ms (from the report of its step to SAVED)"));
            log("| trial | moment | delay ms | resumed from | last loss step | checkpoint after kill | mid-write | losses compared |");
            log("|---:|---|---:|---:|---:|---:|---|---:|");
            while (results.Count < trials)
            {
                if (lastSaved >= size.Steps - 3 * size.CheckpointEvery)
                {
                    // The chain's run is (nearly) complete: finish it (checking its losses) and start a new one, so that
                    // the kills spread over the run instead of piling up on its last checkpoints.
                    var finished = Segment(chain, size, null, 0);
                    CheckLosses(finished, reference);
                    chain = Path.Combine(root, $"run-{++run}");
                    lastSaved = 0;
                }
                var atCheckpoint = results.Count % 2 == 1;
                // Random moment: uniform over the steps left after start-up. Checkpoint moment: uniform over 1.5 checkpoint
                // writes after the report of a step that is followed by one.
                var checkpointStep = atCheckpoint ? (long?)size.CheckpointEvery * random.Next(1, 4) : null;
                var delay = atCheckpoint ? (int)(random.NextDouble() * 1.5 * writeTime) : -1 - (int)(random.NextDouble() * 1000);
                var segment = Segment(chain, size, new KillPlan(delay, checkpointStep), stepTime);
                delay = segment.DelayMs;
                var compared = CheckLosses(segment, reference);
                if (segment.Done)
                {
                    // Finished before the kill: start a new chain (the finished segment still had its losses checked).
                    chain = Path.Combine(root, $"run-{++run}");
                    lastSaved = 0;
                    continue;
                }
                var path = Path.Combine(chain, TrainingChild.CheckpointName);
                var midWrite = Directory.GetFiles(chain, "*.tmp").Length > 0;
                foreach (var temp in Directory.GetFiles(chain, "*.tmp")) File.Delete(temp);
                var inProgress = segment.Losses.Keys.Where(s => s % size.CheckpointEvery == 0 && s > lastSaved).DefaultIfEmpty(0).Max();
                lastSaved = Math.Max(lastSaved, segment.Saved.DefaultIfEmpty(0).Max());
                long onDisk = 0;
                if (File.Exists(path))
                {
                    onDisk = TrainingCheckpoint.ReadInfo(path).Step;
                    if (onDisk != lastSaved && onDisk != inProgress)
                        throw new InvalidOperationException($"Trial {results.Count + 1}: the checkpoint is at step {onDisk}; expected the last saved ({lastSaved}) or the one being written ({inProgress}).");
                    using var trainer = TrainingChild.NewTrainer(size, null);
                    trainer.LoadCheckpoint(path);
                    if (trainer.Step != onDisk) throw new InvalidOperationException($"Trial {results.Count + 1}: the checkpoint's head says step {onDisk}, its state {trainer.Step}.");
                    lastSaved = onDisk;
                }
                else if (lastSaved != 0)
                {
                    throw new InvalidOperationException($"Trial {results.Count + 1}: the checkpoint of step {lastSaved} disappeared.");
                }
                var trial = new KillTrial(results.Count + 1, atCheckpoint ? $"checkpoint {checkpointStep}" : "random", delay, segment.StartStep,
                    segment.Losses.Keys.DefaultIfEmpty(0).Max(), onDisk, midWrite, compared);
                results.Add(trial);
                log(string.Create(CultureInfo.InvariantCulture,
                    $"| {trial.Trial} | {trial.Moment} | {trial.DelayMs} | {trial.ResumedFrom} | {trial.LastLossStep} | {trial.CheckpointStep} | {(trial.MidWrite ? "yes" : "no")} | {trial.LossesCompared} |"));
            }
            // Finish the last chain: the resumed run must end exactly like the uninterrupted one.
            var last = Segment(chain, size, null, 0);
            var final = CheckLosses(last, reference);
            if (!last.Done) throw new InvalidOperationException($"The final resume did not finish: {last.Output}");
            log($"final resume from step {last.StartStep}: {final} losses equal bitwise");
            return results;
        }
        finally
        {
            if (folder is null) Directory.Delete(root, recursive: true);
        }
    }

    private static int CheckLosses(SegmentResult segment, SegmentResult reference)
    {
        foreach (var (step, bits) in segment.Losses)
            if (!reference.Losses.TryGetValue(step, out var expected) || expected != bits)
                throw new InvalidOperationException(
                    $"Step {step} (run resumed from {segment.StartStep}): loss bits {bits}, uninterrupted run {expected ?? "none"}.");
        return segment.Losses.Count;
    }

    /// <summary>When to kill: <paramref name="DelayMs"/> after the report of step <paramref name="AfterLossOfStep"/> (or the
    /// first checkpoint step after it); or, without a step, a negative <paramref name="DelayMs"/> = −1 − 1000·f: at the
    /// fraction f of the time the remaining steps take, counted from start-up.</summary>
    private sealed record KillPlan(int DelayMs, long? AfterLossOfStep);

    /// <param name="TrainingTime">From START to the last step's report.</param>
    /// <param name="WriteTime">Mean time from the report of a checkpoint step to its SAVED line.</param>
    private sealed record SegmentResult(long StartStep, Dictionary<long, string> Losses, List<long> Saved, bool Done, TimeSpan Elapsed,
        TimeSpan TrainingTime, TimeSpan WriteTime, int DelayMs, string Output);

    /// <summary>Runs the child in <paramref name="folder"/> until it finishes or the plan kills it.</summary>
    private static SegmentResult Segment(string folder, TrainingChild.RunSize size, KillPlan? plan, double stepTime)
    {
        Directory.CreateDirectory(folder);
        var info = ChildStart(size.Arguments(folder));
        var lines = new BlockingCollection<string>();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        var stderr = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is null) lines.CompleteAdding(); else lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) stderr.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var all = new List<string>();
        var received = new List<TimeSpan>();
        Stopwatch? trigger = null;
        long start = -1;
        var delay = plan?.DelayMs ?? 0;
        foreach (var line in Consume(lines, () => trigger is not null && trigger.ElapsedMilliseconds >= delay))
        {
            if (line is null)
            {
                Kill(process);
                break;
            }
            all.Add(line);
            received.Add(clock.Elapsed);
            if (line.StartsWith("START ", StringComparison.Ordinal))
            {
                start = long.Parse(line[6..], CultureInfo.InvariantCulture);
                if (plan is { AfterLossOfStep: null })
                {
                    delay = (int)((-1 - plan.DelayMs) / 1000.0 * (size.Steps - start) * stepTime);
                    trigger = Stopwatch.StartNew();
                }
            }
            // A checkpoint kill aims at the first checkpoint boundary at or after the planned step that this process reaches.
            if (plan is { AfterLossOfStep: { } target } && trigger is null && line.StartsWith("LOSS ", StringComparison.Ordinal)
                && long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) is var s && s >= target && s % size.CheckpointEvery == 0)
                trigger = Stopwatch.StartNew();
            if (trigger is not null && trigger.ElapsedMilliseconds >= delay)
            {
                Kill(process);
                break;
            }
        }
        // Drain what the process wrote before it died (lines already in the pipe).
        process.WaitForExit();
        foreach (var rest in lines.GetConsumingEnumerable()) all.Add(rest);
        var losses = new Dictionary<long, string>();
        var saved = new List<long>();
        var reportedAt = new Dictionary<long, TimeSpan>();
        var writes = new List<double>();
        TimeSpan? started = null, lastLoss = null;
        for (var i = 0; i < all.Count; i++)
        {
            var parts = all[i].Split(' ');
            var at = i < received.Count ? received[i] : clock.Elapsed;
            if (parts[0] == "START") started = at;
            if (parts[0] == "LOSS")
            {
                var step = long.Parse(parts[1], CultureInfo.InvariantCulture);
                losses[step] = parts[2];
                reportedAt[step] = at;
                lastLoss = at;
            }
            else if (parts[0] == "SAVED")
            {
                var step = long.Parse(parts[1], CultureInfo.InvariantCulture);
                saved.Add(step);
                if (reportedAt.TryGetValue(step, out var reported)) writes.Add((at - reported).TotalMilliseconds);
            }
        }
        var done = all.Contains("DONE");
        if (!done && plan is null)
            throw new InvalidOperationException($"The training process failed (exit code {process.ExitCode}):\n{string.Join('\n', all.TakeLast(5))}\n{string.Join('\n', stderr)}");
        return new SegmentResult(start, losses, saved, done, clock.Elapsed, (lastLoss ?? TimeSpan.Zero) - (started ?? TimeSpan.Zero),
            TimeSpan.FromMilliseconds(writes.DefaultIfEmpty(0).Average()), delay, string.Join('\n', all.TakeLast(3).Concat(stderr)));
    }

    /// <summary>Lines as they come; a null element when <paramref name="due"/> turns true while waiting.</summary>
    private static IEnumerable<string?> Consume(BlockingCollection<string> lines, Func<bool> due)
    {
        while (!lines.IsCompleted)
        {
            if (lines.TryTake(out var line, 1)) yield return line;
            else if (due()) yield return null;
        }
    }

    private static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: false); }   // SIGKILL on Linux
        catch (InvalidOperationException) { }              // it already exited
    }

    /// <summary>How to start this program in child mode: its apphost if present, else <c>dotnet</c> with the dll.</summary>
    private static ProcessStartInfo ChildStart(IEnumerable<string> arguments)
    {
        var dll = typeof(CrashTrials).Assembly.Location;
        var host = Path.ChangeExtension(dll, null);
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (File.Exists(host) && !OperatingSystem.IsWindows()) info.FileName = host;
        else
        {
            info.FileName = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet";
            info.ArgumentList.Add(dll);
        }
        foreach (var a in arguments) info.ArgumentList.Add(a);
        return info;
    }
}
