using System;
using System.Linq;
using System.Reflection;

namespace MeanFlow.Tests;

/// <summary>
/// Reads the per-thread counters of the internal <c>MeanFlow.Internal.HostRead</c> seam. src/Shared is compiled into
/// every package, so each loaded MeanFlow assembly has its own counter; the total is their sum.
/// </summary>
internal static class HostReads
{
    internal static long OnThisThread() => AppDomain.CurrentDomain.GetAssemblies()
        .Where(a => a.GetName().Name?.StartsWith("MeanFlow.", StringComparison.Ordinal) == true)
        .Select(a => a.GetType("MeanFlow.Internal.HostRead"))
        .Where(t => t is not null)
        .Sum(t => (long)t!.GetProperty("Count", BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!);
}
