using System;

namespace MeanFlow.Imaging;

/// <summary>
/// An 8-bit image in memory: <see cref="Height"/> rows of <see cref="Width"/> pixels, each of
/// <see cref="Channels"/> interleaved samples (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA), row-major from the
/// top-left corner. This is what decoders produce and encoders consume.
/// </summary>
public sealed class RasterImage
{
    /// <summary>Wraps pixel bytes (not copied).</summary>
    /// <param name="width">Pixels per row, ≥ 1.</param>
    /// <param name="height">Rows, ≥ 1.</param>
    /// <param name="channels">Samples per pixel: 1, 2, 3 or 4.</param>
    /// <param name="pixels">height·width·channels bytes, index ((y·width) + x)·channels + c.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> has the wrong length.</exception>
    public RasterImage(int width, int height, int channels, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (channels is < 1 or > 4)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be 1, 2, 3 or 4; got {channels}.");
        ArgumentNullException.ThrowIfNull(pixels);
        long expected = (long)width * height * channels;
        if (pixels.LongLength != expected)
            throw new ArgumentException(
                $"pixels must hold width·height·channels = {width}·{height}·{channels} = {expected} bytes; got {pixels.LongLength}.", nameof(pixels));
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Number of rows.</summary>
    public int Height { get; }

    /// <summary>Samples per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.</summary>
    public int Channels { get; }

    /// <summary>The samples, interleaved, row-major: index ((y·Width) + x)·Channels + c.</summary>
    public byte[] Pixels { get; }

    /// <summary>Whether the last channel is alpha (2 or 4 channels).</summary>
    public bool HasAlpha => Channels is 2 or 4;

    /// <summary>The sample at column <paramref name="x"/>, row <paramref name="y"/>, channel <paramref name="c"/>.</summary>
    /// <param name="x">Column in [0, Width).</param>
    /// <param name="y">Row in [0, Height).</param>
    /// <param name="c">Channel in [0, Channels).</param>
    /// <returns>The 8-bit sample.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A coordinate is outside the image.</exception>
    public byte this[int x, int y, int c]
    {
        get
        {
            if ((uint)x >= (uint)Width) throw new ArgumentOutOfRangeException(nameof(x), x, $"x must lie in [0, {Width}); got {x}.");
            if ((uint)y >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(y), y, $"y must lie in [0, {Height}); got {y}.");
            if ((uint)c >= (uint)Channels) throw new ArgumentOutOfRangeException(nameof(c), c, $"c must lie in [0, {Channels}); got {c}.");
            return Pixels[(((long)y * Width) + x) * Channels + c];
        }
    }
}
