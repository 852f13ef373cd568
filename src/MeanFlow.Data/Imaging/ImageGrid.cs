using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Imaging;

/// <summary>
/// Arranges a batch of images into one picture (image i in row i / columns, column i % columns; e.g. one row per
/// class), as torchvision's make_grid, and writes it as PNG as its save_image does. Values outside the range are
/// clamped, NaN or infinity is an error; quantisation is <see cref="ImageTensors"/>'s.
/// </summary>
public static class ImageGrid
{
    /// <summary>Builds the grid.</summary>
    /// <param name="images">Shape (N, C, H, W), C = 1 (grey) or 3 (RGB), floating, any device.</param>
    /// <param name="columns">Images per row. The default is 8 (capped at N).</param>
    /// <param name="padding">Pixels between cells and around the border. The default is 2.</param>
    /// <param name="padValue">Grey level of the padding and of empty cells, 0 black to 1 white, whatever <paramref name="range"/> is. The default is 0.</param>
    /// <param name="range">The tensor's black-to-white range. The default is [0, 1].</param>
    /// <returns>float32 (C, <see cref="ImageGridLayout.Height"/>, <see cref="ImageGridLayout.Width"/>) in [0, 1], on the device of <paramref name="images"/>.</returns>
    /// <exception cref="ArgumentException">Bad shape, NaN/∞ values, or an argument out of range.</exception>
    public static Tensor Arrange(Tensor images, int columns = 8, int padding = 2, double padValue = 0.0, PixelRange range = PixelRange.ZeroToOne)
    {
        var layout = Layout(images, columns, padding);
        Guard.Fraction(padValue, nameof(padValue));
        int n = layout.Count, c = (int)images.shape[1], h = layout.CellHeight + padding, w = layout.CellWidth + padding;
        using var scope = NewDisposeScope();
        // Each cell is the image with `padding` pixels below and to its right; the cells tile the grid, which then
        // gets `padding` pixels above and to the left.
        var cells = full(new long[] { layout.Rows * layout.Columns, c, h, w }, padValue, ScalarType.Float32, images.device);
        cells.narrow(0, 0, n).narrow(2, 0, layout.CellHeight).narrow(3, 0, layout.CellWidth)
            .copy_(ImageTensors.UnitRange(images, range, nameof(images)));
        var grid = cells.view(layout.Rows, layout.Columns, c, h, w).permute(2, 0, 3, 1, 4)
            .reshape(c, layout.Rows * h, layout.Columns * w);                                  // (C, Rows·h, Columns·w)
        return nn.functional.pad(grid, new long[] { padding, 0, padding, 0 }, value: padValue).MoveToOuterDisposeScope();
    }

    /// <summary>Builds the grid and writes it as an 8-bit PNG, atomically (temporary file, then rename).</summary>
    /// <param name="images">Shape (N, C, H, W), C = 1 or 3, as for <see cref="Arrange"/>.</param>
    /// <param name="path">The destination .png; its folder is created if missing.</param>
    /// <param name="columns">Images per row, as for <see cref="Arrange"/>.</param>
    /// <param name="padding">Pixels between cells and around the border, as for <see cref="Arrange"/>.</param>
    /// <param name="padValue">Grey level of the padding in [0, 1], as for <see cref="Arrange"/>.</param>
    /// <param name="range">The tensor's black-to-white range, as for <see cref="Arrange"/>.</param>
    /// <returns>The layout used, e.g. to label rows.</returns>
    public static ImageGridLayout Save(Tensor images, string path, int columns = 8, int padding = 2, double padValue = 0.0, PixelRange range = PixelRange.ZeroToOne)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var scope = NewDisposeScope();
        ImageFile.WritePng(Arrange(images, columns, padding, padValue, range), path);
        return Layout(images, columns, padding);
    }

    private static ImageGridLayout Layout(Tensor images, int columns, int padding)
    {
        Guard.Floating(images, nameof(images));
        if (images.dim() != 4 || images.shape[1] is not (1 or 3) || images.shape[0] == 0)
            throw new ArgumentException($"images must have shape (N, C, H, W) with N ≥ 1 and C = 1 or 3; got {Guard.Shape(images)}.", nameof(images));
        if (images.shape[0] > int.MaxValue || images.shape[2] > int.MaxValue || images.shape[3] > int.MaxValue)
            throw new ArgumentException($"images is too large for a grid: {Guard.Shape(images)}.", nameof(images));
        return new ImageGridLayout((int)images.shape[0], (int)images.shape[2], (int)images.shape[3], columns, padding);
    }
}
