using System;
using System.IO;
using MeanFlow.Imaging;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST, gzip-compressed or not (recognised by content, not by
/// name). Header: big-endian int32 magic (2051 images, 2049 labels), the count, for images the rows and
/// columns; then one unsigned byte per pixel (row-major) or per label. The whole file must be exactly that.
/// </summary>
public static class IdxFile
{
    /// <summary>The magic number of an IDX file of unsigned-byte images (type 0x08, 3 dimensions).</summary>
    public const int ImagesMagic = 2051;

    /// <summary>The magic number of an IDX file of unsigned-byte labels (type 0x08, 1 dimension).</summary>
    public const int LabelsMagic = 2049;

    /// <summary>Reads an images file (e.g. train-images-idx3-ubyte.gz).</summary>
    /// <param name="path">The file, gzip or raw.</param>
    /// <returns>float32, shape (N, 1, rows, cols), values byte / 255 in [0, 1], on the CPU.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Wrong magic, a bad header, or a truncated or over-long file.</exception>
    public static Tensor ReadImages(string path)
    {
        var bytes = FileBytes.Read(path);
        var count = ReadHeader(bytes, path, ImagesMagic, 16);
        var rows = FileBytes.ReadBigEndianInt32(bytes, 8);
        var cols = FileBytes.ReadBigEndianInt32(bytes, 12);
        if (rows < 1 || cols < 1)
            throw new InvalidDataException($"'{path}' has an invalid IDX image size {rows}×{cols}.");
        // In 128 bits: three int32 sizes can overflow 64 (and a wrapped product could match the file's length).
        CheckLength(bytes, path, 16, (Int128)count * rows * cols, $"{count} images of {rows}×{cols} bytes");
        using var scope = NewDisposeScope();
        return ImageTensors.Dequantize(tensor(bytes.AsSpan(16).ToArray(), new long[] { count, 1, rows, cols })).MoveToOuterDisposeScope();
    }

    /// <summary>Reads a labels file (e.g. train-labels-idx1-ubyte.gz).</summary>
    /// <param name="path">The file, gzip or raw.</param>
    /// <returns>int64, shape (N,), on the CPU.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Wrong magic, a bad header, or a truncated or over-long file.</exception>
    public static Tensor ReadLabels(string path)
    {
        var bytes = FileBytes.Read(path);
        var count = ReadHeader(bytes, path, LabelsMagic, 8);
        CheckLength(bytes, path, 8, count, $"{count} labels");
        using var scope = NewDisposeScope();
        return tensor(bytes.AsSpan(8).ToArray(), new long[] { count }).to(ScalarType.Int64).MoveToOuterDisposeScope();
    }

    private static int ReadHeader(byte[] bytes, string path, int magic, int headerBytes)
    {
        if (bytes.Length < 4)
            throw new InvalidDataException($"'{path}' is {bytes.Length} bytes long, shorter than the {headerBytes}-byte IDX header (truncated file).");
        var found = FileBytes.ReadBigEndianInt32(bytes, 0);
        if (found != magic)
        {
            var kind = magic == ImagesMagic ? "images (unsigned bytes, 3 dimensions)" : "labels (unsigned bytes, 1 dimension)";
            var other = found == ImagesMagic ? " (it is an images file)" : found == LabelsMagic ? " (it is a labels file)" : "";
            throw new InvalidDataException($"'{path}' has magic number {found} (0x{found:X8}) but IDX {kind} files have {magic}{other}.");
        }
        if (bytes.Length < headerBytes)
            throw new InvalidDataException($"'{path}' is {bytes.Length} bytes long, shorter than the {headerBytes}-byte IDX header (truncated file).");
        var count = FileBytes.ReadBigEndianInt32(bytes, 4);
        if (count < 1) throw new InvalidDataException($"'{path}' declares {count} items; an IDX file needs at least 1.");
        return count;
    }

    private static void CheckLength(byte[] bytes, string path, int headerBytes, Int128 payload, string what)
    {
        Int128 expected = headerBytes + payload, actual = bytes.LongLength;
        if (actual < expected)
            throw new InvalidDataException($"'{path}' declares {what} ({expected} bytes with the header) but holds only {actual} bytes (truncated file).");
        if (actual > expected)
            throw new InvalidDataException($"'{path}' declares {what} ({expected} bytes with the header) but holds {actual} bytes; the header does not match the data.");
    }
}
