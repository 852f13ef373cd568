using System;
using System.IO;
using System.Linq;

namespace MeanFlow.Benchmarks;

/// <summary>
/// Resident memory of this process from /proc/self/status (Linux): VmRSS now and VmHWM, the peak since start or since
/// the last reset. TorchSharp tensors live in native memory, which BenchmarkDotNet's MemoryDiagnoser does not see.
/// </summary>
internal static class ProcStatus
{
    /// <summary>Current resident set size in KiB.</summary>
    internal static long ResidentKiB() => Field("VmRSS:");

    /// <summary>Peak resident set size ("high water mark") in KiB.</summary>
    internal static long PeakKiB() => Field("VmHWM:");

    /// <summary>Resets the high water mark to the current RSS (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0).</summary>
    /// <returns>false when the kernel or sandbox does not allow it.</returns>
    internal static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return PeakKiB() <= ResidentKiB() + 64;   // reset to the current RSS (which can move a little meanwhile)
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    private static long Field(string name)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"/proc/self/status has no {name} line.");
        return long.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
