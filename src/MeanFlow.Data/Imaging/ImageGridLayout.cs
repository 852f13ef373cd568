using System;

namespace MeanFlow.Imaging;

/// <summary>
/// Where each image of a batch goes in a grid: image i sits in row i / Columns, column i % Columns, with
/// <see cref="Padding"/> pixels between cells and around the border (as torchvision's make_grid).
/// </summary>
public sealed class ImageGridLayout
{
    /// <summary>Lays out <paramref name="count"/> cells of <paramref name="cellHeight"/>×<paramref name="cellWidth"/>.</summary>
    /// <param name="count">Number of images, ≥ 1.</param>
    /// <param name="cellHeight">Image height in pixels, ≥ 1.</param>
    /// <param name="cellWidth">Image width in pixels, ≥ 1.</param>
    /// <param name="columns">Images per row, ≥ 1; capped at <paramref name="count"/>.</param>
    /// <param name="padding">Pixels between cells and around the border, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range or the grid exceeds 2^31 − 1 pixels a side.</exception>
    public ImageGridLayout(int count, int cellHeight, int cellWidth, int columns, int padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cellHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cellWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Count = count;
        CellHeight = cellHeight;
        CellWidth = cellWidth;
        Columns = Math.Min(columns, count);
        Rows = (count + Columns - 1) / Columns;
        Padding = padding;
        long width = (long)Columns * (cellWidth + padding) + padding, height = (long)Rows * (cellHeight + padding) + padding;
        if (width > int.MaxValue || height > int.MaxValue || width * height > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(count), $"A grid of {Rows}×{Columns} cells of {cellHeight}×{cellWidth} pixels ({height}×{width}) is too large.");
        Width = (int)width;
        Height = (int)height;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Rows of cells, ⌈Count / Columns⌉.</summary>
    public int Rows { get; }

    /// <summary>Cells per row, min(requested columns, Count).</summary>
    public int Columns { get; }

    /// <summary>Image height in pixels.</summary>
    public int CellHeight { get; }

    /// <summary>Image width in pixels.</summary>
    public int CellWidth { get; }

    /// <summary>Pixels between cells and around the border.</summary>
    public int Padding { get; }

    /// <summary>Grid width in pixels: Columns·(CellWidth + Padding) + Padding.</summary>
    public int Width { get; }

    /// <summary>Grid height in pixels: Rows·(CellHeight + Padding) + Padding.</summary>
    public int Height { get; }

    /// <summary>The top-left pixel of image <paramref name="index"/>'s cell.</summary>
    /// <param name="index">Image index in [0, Count).</param>
    /// <returns>(Left, Top) = (Padding + (index % Columns)·(CellWidth + Padding), Padding + (index / Columns)·(CellHeight + Padding)).</returns>
    public (int Left, int Top) CellOrigin(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must lie in [0, {Count}); got {index}.");
        return (Padding + index % Columns * (CellWidth + Padding), Padding + index / Columns * (CellHeight + Padding));
    }
}
