using System;
using System.IO;
using System.Linq;

namespace MeanFlow.Benchmarks;

/// <summary>What the numbers were measured on: CPU, load average, libtorch threads.</summary>
internal static class Machine
{
    /// <summary>Threads libtorch uses for intra-op parallelism in every benchmark process.</summary>
    internal const int Threads = 2;

    /// <summary>Sets libtorch's intra-op threads to <see cref="Threads"/> (once per process).</summary>
    internal static void UseBenchmarkThreads()
    {
        Runtime.TorchRuntime.EnsureLoaded();
        TorchSharp.torch.set_num_threads(Threads);
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
