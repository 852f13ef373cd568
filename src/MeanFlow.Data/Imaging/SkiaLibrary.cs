using System;
using SkiaSharp;

namespace MeanFlow.Imaging;

/// <summary>
/// Turns a missing or mismatched libSkiaSharp into one message that names the package to add, instead of a
/// TypeInitializationException from deep inside SkiaSharp at the first image call.
/// </summary>
internal static class SkiaLibrary
{
    private static readonly Lazy<Exception?> LoadFailure = new(Probe);

    internal static void EnsureLoaded()
    {
        if (LoadFailure.Value is { } failure)
            throw new InvalidOperationException(
                "SkiaSharp's native library (libSkiaSharp) could not be loaded, so image files cannot be read or written. " +
                "The application chooses SkiaSharp's native assets, as it chooses TorchSharp's backend: on Linux reference " +
                "SkiaSharp.NativeAssets.Linux.NoDependencies (no libfontconfig needed) or SkiaSharp.NativeAssets.Linux, at the " +
                $"version of SkiaSharp. Cause: {failure.GetBaseException().Message.Split('\n')[0]}", failure);
    }

    private static Exception? Probe()
    {
        try
        {
            using var probe = SKData.CreateCopy(new byte[1]); // the first native call loads and version-checks the library
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return e;
        }
    }
}
