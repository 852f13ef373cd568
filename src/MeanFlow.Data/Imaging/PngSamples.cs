using System;

namespace MeanFlow.Imaging;

/// <summary>Turns unfiltered PNG rows into 8-bit interleaved samples.</summary>
internal static class PngSamples
{
    internal static RasterImage Expand(PngHeader header, byte[] rows, byte[]? palette, string sourceName)
    {
        int width = header.Width, height = header.Height, channels = header.OutputChannels, rowBytes = header.RowBytes;
        var pixels = new byte[(long)width * height * channels];
        var stored = header.StoredSamples;
        for (var y = 0; y < height; y++)
        {
            var row = rows.AsSpan(y * rowBytes, rowBytes);
            var output = pixels.AsSpan(y * width * channels, width * channels);
            if (header.BitDepth == 8 && header.ColorType != 3)
            {
                row.CopyTo(output);
            }
            else if (header.BitDepth == 16)
            {
                for (var i = 0; i < width * stored; i++)
                {
                    int v = (row[2 * i] << 8) | row[2 * i + 1];
                    output[i] = (byte)((v * 255 + 32767) / 65535); // nearest 8-bit level
                }
            }
            else
            {
                int depth = header.BitDepth, mask = (1 << depth) - 1, scale = 255 / mask;
                for (var x = 0; x < width; x++)
                {
                    var bit = x * depth;
                    var value = (row[bit >> 3] >> (8 - depth - (bit & 7))) & mask;
                    if (header.ColorType == 0)
                    {
                        output[x] = (byte)(value * scale);
                        continue;
                    }
                    if (3 * value + 2 >= palette!.Length)
                        throw PngDecoder.Invalid(sourceName, $"pixel ({x}, {y}) uses palette entry {value} but the palette has {palette.Length / 3}");
                    output[3 * x] = palette[3 * value];
                    output[3 * x + 1] = palette[3 * value + 1];
                    output[3 * x + 2] = palette[3 * value + 2];
                }
            }
        }
        return new RasterImage(width, height, channels, pixels);
    }
}
