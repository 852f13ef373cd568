using System;

namespace MeanFlow.Runtime;

/// <summary>
/// One "version not found" of the dynamic loader: <paramref name="Library"/> needs <paramref name="Version"/>, which
/// <paramref name="Provider"/> does not define. glibc words it as
/// <c>/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by …/libLibTorchSharp.so)</c>.
/// </summary>
/// <param name="Version">The missing symbol version, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Provider">The file the loader found for the dependency, e.g. <c>/lib/x86_64-linux-gnu/libstdc++.so.6</c>.</param>
/// <param name="Library">The library that needs it.</param>
internal sealed record MissingVersion(string Version, string Provider, string Library)
{
    /// <summary>Whether the version belongs to libstdc++ (<c>GLIBCXX_*</c>, <c>CXXABI_*</c>), which MeanFlow.GlibcxxFix can address.</summary>
    internal bool IsLibStdCxx => Version.StartsWith("GLIBCXX_", StringComparison.Ordinal) || Version.StartsWith("CXXABI_", StringComparison.Ordinal);
}
