using System;
using System.IO;
using System.Linq;

namespace MeanFlow.Benchmarks;

/// <summary>What the numbers were measured on: CPU, load average, libtorch threads.</summary>
internal static class Machine
{
    /// <summary>Name of the environment variable that sets <see cref="Threads"/> (BenchmarkDotNet's child processes inherit it).</summary>
    internal const string ThreadsVariable = "MEANFLOW_BENCHMARK_THREADS";

    /// <summary>Threads libtorch uses for intra-op parallelism in every benchmark process: 2, or the value of
    /// <see cref="ThreadsVariable"/> (a positive integer).</summary>
    internal static int Threads { get; } = ReadThreads();

    /// <summary>Sets libtorch's intra-op threads to <see cref="Threads"/> (once per process).</summary>
    internal static void UseBenchmarkThreads()
    {
        Runtime.TorchRuntime.EnsureLoaded();
        TorchSharp.torch.set_num_threads(Threads);
    }

    private static int ReadThreads()
    {
        var value = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (string.IsNullOrEmpty(value)) return 2;
        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{ThreadsVariable} must be a positive integer; got '{value}'.");
    }

    /// <summary>The first three fields of /proc/loadavg (1, 5 and 15 minutes), or "n/a".</summary>
    internal static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException) { return "n/a"; }
        catch (UnauthorizedAccessException) { return "n/a"; }
    }

    internal static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return "unknown CPU"; }
    }

    internal static string Describe() =>
        $"{CpuModel()}, {Environment.ProcessorCount} logical cores, TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, " +
        $"torch.set_num_threads({Threads}), .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC";
}
