using System;
using System.Buffers.Binary;

namespace MeanFlow.Imaging;

/// <summary>The IHDR fields of a PNG file, validated against the combinations the spec allows.</summary>
internal sealed record PngHeader(int Width, int Height, int BitDepth, int ColorType)
{
    /// <summary>Samples per pixel as stored: grey 1, RGB 3, palette 1, grey + alpha 2, RGBA 4.</summary>
    internal int StoredSamples => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };

    /// <summary>Channels after decoding (palette expands to RGB).</summary>
    internal int OutputChannels => ColorType == 3 ? 3 : StoredSamples;

    /// <summary>Bytes per row without the filter byte.</summary>
    internal int RowBytes => (int)(((long)Width * StoredSamples * BitDepth + 7) / 8);

    /// <summary>The filters' bpp: bytes per complete pixel, at least 1.</summary>
    internal int FilterBytesPerPixel => Math.Max(1, StoredSamples * BitDepth / 8);

    internal static PngHeader Parse(ReadOnlySpan<byte> body, string sourceName)
    {
        if (body.Length != 13) throw PngDecoder.Invalid(sourceName, $"its IHDR chunk has {body.Length} bytes, not 13");
        var width = BinaryPrimitives.ReadUInt32BigEndian(body);
        var height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        int depth = body[8], colorType = body[9];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw PngDecoder.Invalid(sourceName, $"its size {width}×{height} is not allowed (each side must be 1 to 2^31 − 1)");
        var allowed = colorType switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => throw PngDecoder.Invalid(sourceName, $"its colour type is {colorType}; PNG defines 0, 2, 3, 4 and 6"),
        };
        if (!allowed) throw PngDecoder.Invalid(sourceName, $"bit depth {depth} is not allowed with colour type {colorType}");
        if (body[10] != 0 || body[11] != 0)
            throw PngDecoder.Invalid(sourceName, $"its compression method {body[10]} / filter method {body[11]} is not 0");
        if (body[12] == 1)
            throw new NotSupportedException($"'{sourceName}' is an interlaced (Adam7) PNG, which this decoder does not read; re-save it without interlacing.");
        if (body[12] != 0) throw PngDecoder.Invalid(sourceName, $"its interlace method is {body[12]}; PNG defines 0 and 1");

        var header = new PngHeader((int)width, (int)height, depth, colorType);
        long outputBytes = (long)width * height * header.OutputChannels;
        long filteredBytes = (long)height * ((long)width * header.StoredSamples * depth / 8 + 2);
        if (outputBytes > Array.MaxLength || filteredBytes > Array.MaxLength)
            throw new NotSupportedException($"'{sourceName}' is {width}×{height} pixels, too large to hold in one .NET array.");
        return header;
    }
}
