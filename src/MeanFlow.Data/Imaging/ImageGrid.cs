using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Imaging;

/// <summary>
/// Arranges a batch of images into one picture (image i in row i / columns, column i % columns; e.g. one
/// row per class) and writes it as PNG. Quantisation is <see cref="ImageTensors"/>'s: values outside the
/// range are clamped, NaN or infinity is an error.
/// </summary>
public static class ImageGrid
{
    /// <summary>Builds the grid image.</summary>
    /// <param name="images">Shape (N, C, H, W), C = 1 (grey) or 3 (RGB), floating, any device.</param>
    /// <param name="columns">Images per row. The default is 8 (capped at N).</param>
    /// <param name="padding">Pixels between cells and around the border. The default is 2.</param>
    /// <param name="padValue">Grey level of the padding, 0 black to 1 white, whatever <paramref name="range"/> is. The default is 0.</param>
    /// <param name="range">The tensor's black-to-white range. The default is [0, 1].</param>
    /// <returns>The grid, <see cref="ImageGridLayout.Height"/>×<see cref="ImageGridLayout.Width"/> with C channels.</returns>
    /// <exception cref="ArgumentException">Bad shape, NaN/∞ values, or an argument out of range.</exception>
    public static RasterImage Arrange(Tensor images, int columns = 8, int padding = 2, double padValue = 0.0, PixelRange range = PixelRange.ZeroToOne)
    {
        Guard.Floating(images, nameof(images));
        if (images.dim() != 4 || images.shape[1] is not (1 or 3) || images.shape[0] == 0)
            throw new ArgumentException($"images must have shape (N, C, H, W) with N ≥ 1 and C = 1 or 3; got {Guard.Shape(images)}.", nameof(images));
        Guard.Fraction(padValue, nameof(padValue));
        if (images.shape[0] > int.MaxValue || images.shape[2] > int.MaxValue || images.shape[3] > int.MaxValue)
            throw new ArgumentException($"images is too large for a grid: {Guard.Shape(images)}.", nameof(images));
        int n = (int)images.shape[0], c = (int)images.shape[1], h = (int)images.shape[2], w = (int)images.shape[3];
        var layout = new ImageGridLayout(n, h, w, columns, padding);

        var source = ImageTensors.Quantize(images, range, nameof(images)); // (N, C, H, W) bytes
        var pixels = new byte[(long)layout.Height * layout.Width * c];
        Array.Fill(pixels, (byte)Math.Floor(padValue * 255 + 0.5));
        for (var i = 0; i < n; i++)
        {
            var (left, top) = layout.CellOrigin(i);
            for (var channel = 0; channel < c; channel++)
                for (var y = 0; y < h; y++)
                {
                    long from = (((long)i * c + channel) * h + y) * w;
                    long to = (((long)(top + y) * layout.Width) + left) * c + channel;
                    for (var x = 0; x < w; x++) pixels[to + (long)x * c] = source[from + x];
                }
        }
        return new RasterImage(layout.Width, layout.Height, c, pixels);
    }

    /// <summary>Builds the grid and writes it as PNG, atomically (temporary file, then rename).</summary>
    /// <param name="images">Shape (N, C, H, W), C = 1 or 3.</param>
    /// <param name="path">The destination .png; its folder is created if missing.</param>
    /// <param name="columns">Images per row. The default is 8 (capped at N).</param>
    /// <param name="padding">Pixels between cells and around the border. The default is 2.</param>
    /// <param name="padValue">Grey level of the padding in [0, 1]. The default is 0.</param>
    /// <param name="range">The tensor's black-to-white range. The default is [0, 1].</param>
    /// <returns>The layout used, e.g. to label rows.</returns>
    public static ImageGridLayout Save(Tensor images, string path, int columns = 8, int padding = 2, double padValue = 0.0, PixelRange range = PixelRange.ZeroToOne)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var grid = Arrange(images, columns, padding, padValue, range);
        PngEncoder.Save(grid, path);
        return new ImageGridLayout((int)images.shape[0], (int)images.shape[2], (int)images.shape[3], columns, padding);
    }
}
