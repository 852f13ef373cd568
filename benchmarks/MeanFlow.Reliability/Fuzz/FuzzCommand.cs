using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace MeanFlow.Reliability.Fuzz;

/// <summary>
/// <c>fuzz</c>: mutates the seeds of every target round-robin for a given time and saves each input whose failure is
/// not documented (one per distinct signature) under <c>out/findings/target/</c>; <c>seeds</c>: writes the seeds as a
/// corpus folder (<c>target/seed-i.ext</c>); <c>replay</c>: runs every file of a corpus folder.
/// </summary>
public static class FuzzCommand
{
    /// <summary>Runs the campaign; returns 0 when no undocumented failure was found, 1 otherwise.</summary>
    public static int Fuzz(double seconds, int seed, string output, IReadOnlyList<FuzzTarget> targets)
    {
        var campaign = new FuzzCampaign(Path.Combine(output, "work"));
        var random = new Random(seed);
        var seeds = targets.ToDictionary(t => t.Name, t => t.Seeds());
        var tried = targets.ToDictionary(t => t.Name, _ => 0L);
        var documented = targets.ToDictionary(t => t.Name, _ => 0L);
        var failures = new Dictionary<string, (string Target, string File, int Count)>();
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"# fuzzing {targets.Count} target(s) for {seconds} s, seed {seed}, findings in {Path.GetFullPath(output)}");
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            foreach (var target in targets)
            {
                var pool = seeds[target.Name];
                var mutant = Mutator.Mutate(pool[random.Next(pool.Count)], pool[random.Next(pool.Count)], random);
                if (target.Fixup is { } fix) mutant = fix(mutant);
                var outcome = campaign.Run(target, mutant);
                tried[target.Name]++;
                if (outcome.Documented) documented[target.Name]++;
                if (outcome.Failure is not { } e) continue;
                var signature = $"{target.Name}: {FuzzCampaign.Signature(e)}";
                if (failures.TryGetValue(signature, out var known))
                {
                    failures[signature] = known with { Count = known.Count + 1 };
                    continue;
                }
                var folder = Path.Combine(output, "findings", target.Name);
                Directory.CreateDirectory(folder);
                var file = Path.Combine(folder, FuzzCampaign.Name(mutant) + target.Extension);
                File.WriteAllBytes(file, mutant);
                failures[signature] = (target.Name, file, 1);
                Console.WriteLine($"NEW {signature}\n    {e.Message.Split('\n')[0]}\n    saved {file}");
            }
        }
        Console.WriteLine();
        Console.WriteLine($"| target | inputs | documented exception | accepted |");
        Console.WriteLine($"|---|---:|---:|---:|");
        foreach (var target in targets)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {target.Name} | {tried[target.Name]} | {documented[target.Name]} | {tried[target.Name] - documented[target.Name] - failures.Values.Where(f => f.Target == target.Name).Sum(f => f.Count)} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"\n{tried.Values.Sum()} inputs in {clock.Elapsed.TotalSeconds:F0} s; {failures.Count} distinct undocumented failure(s)"));
        foreach (var (signature, f) in failures) Console.WriteLine($"  {f.Count,6} × {signature}  ({f.File})");
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>Writes every target's seeds as <c>folder/target/seed-i.ext</c>.</summary>
    public static int WriteSeeds(string folder, IReadOnlyList<FuzzTarget> targets)
    {
        foreach (var target in targets)
        {
            var seeds = target.Seeds();
            Directory.CreateDirectory(Path.Combine(folder, target.Name));
            for (var i = 0; i < seeds.Count; i++)
                File.WriteAllBytes(Path.Combine(folder, target.Name, $"seed-{i}{target.Extension}"), seeds[i]);
            Console.WriteLine($"{target.Name}: {seeds.Count} seed(s), {seeds.Sum(s => s.Length)} bytes");
        }
        return 0;
    }

    /// <summary>Replays a corpus folder (<c>target/*</c>); returns the number of undocumented failures.</summary>
    public static int Replay(string folder)
    {
        var campaign = new FuzzCampaign(Path.Combine(Path.GetTempPath(), $"meanflow-replay-{Guid.NewGuid():N}"));
        var failures = 0;
        foreach (var target in FuzzTargets.All)
        {
            var directory = Path.Combine(folder, target.Name);
            if (!Directory.Exists(directory)) continue;
            foreach (var file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
            {
                var outcome = campaign.Run(target, File.ReadAllBytes(file));
                if (outcome.Documented && Environment.GetEnvironmentVariable("FUZZ_STACK") == "1") Console.WriteLine($"documented: {target.Name} {Path.GetFileName(file)}");
                if (outcome.Failure is { } e)
                {
                    failures++;
                    Console.WriteLine($"FAIL {target.Name} {Path.GetFileName(file)}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                    if (Environment.GetEnvironmentVariable("FUZZ_STACK") == "1") Console.WriteLine(e.StackTrace);
                }
            }
        }
        return failures;
    }
}
