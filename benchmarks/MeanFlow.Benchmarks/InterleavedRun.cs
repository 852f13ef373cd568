using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace MeanFlow.Benchmarks;

/// <summary>
/// A quick cross-check of the BenchmarkDotNet ratios that is robust to a changing machine load: every case shares one
/// model in one process and the cases run round-robin (rotating the order every round), so a load change hits all of
/// them alike. Reports medians and the ratio of medians to the flow-matching step.
/// </summary>
internal static class InterleavedRun
{
    internal static void Run(IReadOnlyList<Backbone> backbones, IReadOnlyList<TrainingCase> cases, int rounds, int warmup)
    {
        Machine.UseBenchmarkThreads();
        Console.WriteLine($"# Interleaved training steps, {rounds} rounds after {warmup} warm-up rounds; {Machine.Describe()}");
        Console.WriteLine($"# load average before: {Machine.LoadAverage()}");
        foreach (var backbone in backbones)
        {
            using var model = Backbones.Create(backbone);
            var workloads = cases.Select(c => new TrainingWorkload(backbone, c, model)).ToArray();
            var times = workloads.ToDictionary(w => w.Case, _ => new List<double>());
            for (var round = -warmup; round < rounds; round++)
            {
                for (var i = 0; i < workloads.Length; i++)
                {
                    var w = workloads[(i + Math.Max(round, 0)) % workloads.Length];
                    var watch = Stopwatch.StartNew();
                    w.Step();
                    watch.Stop();
                    if (round >= 0) times[w.Case].Add(watch.Elapsed.TotalMilliseconds);
                }
            }
            var baseline = times.TryGetValue(TrainingCase.FlowMatching, out var fm) ? Median(fm) : double.NaN;
            Console.WriteLine();
            Console.WriteLine($"## {backbone}: {Backbones.Describe(backbone)}, batch {Backbones.BatchSize}");
            Console.WriteLine("| Case | r ≠ t rows | median ms | min ms | × FM (medians) |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var w in workloads)
            {
                var m = Median(times[w.Case]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {w.Case} | {w.DistinctRows} | {m:F1} | {times[w.Case].Min():F1} | {m / baseline:F3} |"));
            }
            foreach (var w in workloads) w.Dispose();
        }
        Console.WriteLine();
        Console.WriteLine($"# load average after: {Machine.LoadAverage()}");
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return double.NaN;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }
}
