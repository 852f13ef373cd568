using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using MeanFlow.Internal;

namespace MeanFlow.Imaging;

/// <summary>
/// Writes 8-bit, non-interlaced PNG files (grey, grey + alpha, RGB, RGBA) in pure C#: zlib through
/// <see cref="ZLibStream"/>, checksums through <see cref="Crc32"/>. Each row gets the filter whose output
/// has the smallest sum of absolute values (the usual heuristic), which keeps files small.
/// </summary>
public static class PngEncoder
{
    internal static ReadOnlySpan<byte> Signature => new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    /// <summary>Encodes an image as PNG.</summary>
    /// <param name="image">The image; 1–4 channels map to PNG colour types 0, 4, 2 and 6.</param>
    /// <param name="compression">The zlib effort. The default is <see cref="CompressionLevel.Optimal"/>.</param>
    /// <returns>The complete PNG file.</returns>
    public static byte[] Encode(RasterImage image, CompressionLevel compression = CompressionLevel.Optimal) =>
        Encode(image, compression, forcedFilter: null);

    /// <summary>Encodes an image as PNG and writes it atomically (temporary file, then rename).</summary>
    /// <param name="image">The image.</param>
    /// <param name="path">The destination; its folder is created if missing and an existing file is replaced.</param>
    /// <param name="compression">The zlib effort. The default is <see cref="CompressionLevel.Optimal"/>.</param>
    public static void Save(RasterImage image, string path, CompressionLevel compression = CompressionLevel.Optimal) =>
        AtomicFile.Write(path, Encode(image, compression));

    /// <summary>Encodes with every row filtered by <paramref name="forcedFilter"/> (tests) or adaptively (null).</summary>
    internal static byte[] Encode(RasterImage image, CompressionLevel compression, byte? forcedFilter)
    {
        ArgumentNullException.ThrowIfNull(image);
        int bpp = image.Channels, stride = image.Width * bpp;
        using var png = new MemoryStream();
        png.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8; // bit depth
        header[9] = image.Channels switch { 1 => 0, 2 => 4, 3 => 2, _ => 6 };
        header[10] = header[11] = header[12] = 0; // deflate, adaptive filtering, no interlace
        WriteChunk(png, "IHDR", header);

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, compression, leaveOpen: true))
            {
                var previous = new byte[stride];
                var filtered = new byte[stride];
                var best = new byte[stride];
                for (var y = 0; y < image.Height; y++)
                {
                    var raw = image.Pixels.AsSpan(y * stride, stride);
                    byte chosen = forcedFilter ?? ChooseFilter(raw, previous, bpp, filtered, best);
                    if (forcedFilter is not null) PngFilter.Apply(chosen, raw, previous, bpp, best);
                    zlib.WriteByte(chosen);
                    zlib.Write(best);
                    raw.CopyTo(previous);
                }
            }
            WriteChunk(png, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }
        WriteChunk(png, "IEND", ReadOnlySpan<byte>.Empty);
        return png.ToArray();
    }

    private static byte ChooseFilter(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> previous, int bpp, Span<byte> scratch, Span<byte> best)
    {
        byte chosen = PngFilter.None;
        long bestCost = long.MaxValue;
        for (byte type = PngFilter.None; type <= PngFilter.Paeth; type++)
        {
            PngFilter.Apply(type, raw, previous, bpp, scratch);
            long cost = 0;
            foreach (var b in scratch) cost += Math.Abs((int)(sbyte)b);
            if (cost < bestCost)
            {
                bestCost = cost;
                chosen = type;
                scratch.CopyTo(best);
            }
        }
        return chosen;
    }

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        for (var i = 0; i < 4; i++) typeBytes[i] = (byte)type[i];
        png.Write(typeBytes);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Compute(typeBytes), data));
        png.Write(word);
    }
}
