using System;
using System.IO;

namespace MeanFlow.Imaging;

/// <summary>Reads and writes single image files.</summary>
public static class ImageFile
{
    /// <summary>Decodes one image file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="decoder">The decoder. The default is <see cref="CompositeImageDecoder.Default"/> (PNG, PGM, PPM by extension).</param>
    /// <returns>The 8-bit image.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt or truncated.</exception>
    public static RasterImage Load(string path, IImageDecoder? decoder = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The image file '{Path.GetFullPath(path)}' does not exist.", path);
        return (decoder ?? CompositeImageDecoder.Default).Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Writes an image as PNG, atomically (temporary file, then rename).</summary>
    /// <param name="image">The image.</param>
    /// <param name="path">The destination; its folder is created if missing.</param>
    public static void SavePng(RasterImage image, string path) => PngEncoder.Save(image, path);
}
