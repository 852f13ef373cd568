using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;

namespace MeanFlow.Runtime;

/// <summary>
/// Loads TorchSharp's native backend once and, when that fails, explains why. TorchSharp reports a native load
/// failure as "doesn't contain a reference to libtorch-cpu-…" even when the real cause is a libstdc++ that is too
/// old; MeanFlow's public types call <see cref="EnsureLoaded"/> first, so that their first use fails with a
/// <see cref="TorchRuntimeException"/> naming the library, the missing versions and the fix instead.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static volatile bool _loaded;
    private static (string Library, IReadOnlyList<MissingVersion> Missing)? _diagnosis;
    private static bool _diagnosed;

    /// <summary>
    /// Makes sure TorchSharp's native backend is loaded. Idempotent and thread-safe; after the first successful
    /// call it costs one volatile read. Call it at startup to get the diagnosis before any other TorchSharp call
    /// (a failed load is permanent for the process: TorchSharp's type initializer fails once and for all).
    /// </summary>
    /// <exception cref="TorchRuntimeException">The dynamic loader refuses the native library because it needs symbol
    /// versions this system lacks (Linux); the message names the library, the versions and the fix, and the inner
    /// exception is TorchSharp's error.</exception>
    /// <exception cref="TypeInitializationException">TorchSharp could not load for another reason (rethrown as is).</exception>
    public static void EnsureLoaded()
    {
        if (_loaded) return;
        lock (Gate)
        {
            if (_loaded) return;
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                _loaded = true;
            }
            catch (Exception failure) when (OperatingSystem.IsLinux())
            {
                if (!_diagnosed)
                {
                    _diagnosis = NativeLoadDiagnosis.Find(NativeLibraryLocator.TorchSharpCandidates(), NativeLoadDiagnosis.LoadError);
                    _diagnosed = true;
                }
                if (_diagnosis is not { } found) throw;
                throw Explain(failure, found.Library, found.Missing);
            }
        }
    }

    /// <summary>The exception for <paramref name="failure"/> caused by <paramref name="missing"/> in <paramref name="library"/>.</summary>
    internal static TorchRuntimeException Explain(Exception failure, string library, IReadOnlyList<MissingVersion> missing) =>
        new("TorchSharp's native library could not be loaded: " + NativeLoadDiagnosis.Describe(library, missing),
            failure, library, missing.Select(m => m.Version).Distinct().ToArray());
}
