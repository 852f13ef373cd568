using System;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Running;

namespace MeanFlow.Benchmarks;

/// <summary>
/// Entry point. Without a mode flag the arguments go to BenchmarkDotNet (<c>--filter '*'</c>, <c>--list flat</c>, ...).
/// <c>--memory</c> measures native peak memory of every training-step case, each in a fresh child process;
/// <c>--interleaved</c> times the training cases round-robin in one process (a quick, load-robust cross-check);
/// <c>--profile</c> times the DiT's layers with and without tangent; <c>--soak N</c> trains N steps and fits the slope
/// of resident memory over steps (a leak check).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == MemoryProbe.ChildFlag) return MemoryProbe.RunChild(args.Skip(1).ToArray());
        if (args.Contains("--memory"))
        {
            return MemoryProbe.RunAll(Backbones(args), Cases(args), Int(args, "--steps", 3),
                Value(args, "--out") ?? Path.Combine("BenchmarkDotNet.Artifacts", "results", "memory.md"));
        }
        if (args.Contains("--interleaved"))
        {
            InterleavedRun.Run(Backbones(args), Cases(args), Int(args, "--rounds", 15), Int(args, "--warmup", 2));
            return 0;
        }
        if (args.Contains("--soak"))
            return MemorySoak.Run(Int(args, "--soak", 10_000));
        if (args.Contains("--profile"))
        {
            LayerProfile.Run(Int(args, "--rounds", 20));
            return 0;
        }

        var before = Machine.LoadAverage();
        Console.WriteLine($"# {Machine.Describe()}; load average before: {before}");
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        var after = Machine.LoadAverage();
        Console.WriteLine($"# load average before: {before}; after: {after}");
        var folder = summaries.Select(s => s.ResultsDirectoryPath).FirstOrDefault(p => !string.IsNullOrEmpty(p));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
            File.AppendAllText(Path.Combine(folder, "loadavg.txt"), string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC  {string.Join(' ', args)}  before: {before}  after: {after}  ({Machine.Describe()}){Environment.NewLine}"));
        }
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static Backbone[] Backbones(string[] args) => Value(args, "--backbone") is { } v
        ? v.Split(',').Select(b => Enum.Parse<Backbone>(b, ignoreCase: true)).ToArray()
        : Enum.GetValues<Backbone>();

    private static TrainingCase[] Cases(string[] args) => Value(args, "--cases") is { } v
        ? v.Split(',').Select(c => Enum.Parse<TrainingCase>(c, ignoreCase: true)).ToArray()
        : Enum.GetValues<TrainingCase>();
}
