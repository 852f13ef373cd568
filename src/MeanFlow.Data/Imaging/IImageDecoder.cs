using System;
using System.Collections.Generic;

namespace MeanFlow.Imaging;

/// <summary>
/// Turns the bytes of one image file into an 8-bit <see cref="RasterImage"/>. MeanFlow.Core ships PNG
/// (<see cref="PngDecoder"/>) and binary PGM/PPM (<see cref="NetpbmDecoder"/>); other formats plug in
/// here (for example a SkiaSharp-backed decoder for JPEG in an application).
/// </summary>
public interface IImageDecoder
{
    /// <summary>The file extensions this decoder reads, lower case with the dot (".png").</summary>
    IReadOnlyCollection<string> FileExtensions { get; }

    /// <summary>Decodes one image.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="sourceName">The file name, used in error messages.</param>
    /// <returns>The image, 1–4 channels of 8 bits.</returns>
    /// <exception cref="System.IO.InvalidDataException">The data is corrupt or truncated.</exception>
    /// <exception cref="NotSupportedException">A valid file uses a feature the decoder does not implement.</exception>
    RasterImage Decode(ReadOnlySpan<byte> data, string sourceName);
}
