using System;
using System.Collections.Generic;
using System.IO;

namespace MeanFlow.Imaging;

/// <summary>
/// Reads binary Netpbm images: PGM (P5, grey) and PPM (P6, RGB), maxval 1..65535. Samples are scaled to
/// 0..255 by round(v·255 / maxval); 16-bit samples are big-endian. Bytes after the first image are ignored.
/// </summary>
public sealed class NetpbmDecoder : IImageDecoder
{
    private static readonly string[] Extensions = { ".pgm", ".ppm", ".pnm" };

    /// <inheritdoc />
    public IReadOnlyCollection<string> FileExtensions => Extensions;

    /// <inheritdoc />
    public RasterImage Decode(ReadOnlySpan<byte> data, string sourceName)
    {
        sourceName ??= "(Netpbm data)";
        if (data.Length < 2 || data[0] != (byte)'P' || (data[1] != (byte)'5' && data[1] != (byte)'6'))
        {
            if (data.Length >= 2 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'7')
                throw new NotSupportedException($"'{sourceName}' is a Netpbm P{(char)data[1]} file; only binary PGM (P5) and PPM (P6) are read.");
            throw Invalid(sourceName, "it does not start with P5 (binary PGM) or P6 (binary PPM)");
        }
        var channels = data[1] == (byte)'5' ? 1 : 3;
        var position = 2;
        var width = ReadNumber(data, ref position, "width", sourceName);
        var height = ReadNumber(data, ref position, "height", sourceName);
        var maxValue = ReadNumber(data, ref position, "maxval", sourceName);
        if (width < 1 || height < 1) throw Invalid(sourceName, $"its size {width}×{height} is empty");
        if (maxValue is < 1 or > 65535) throw Invalid(sourceName, $"its maxval is {maxValue}; Netpbm allows 1 to 65535");
        if (position >= data.Length || !IsWhitespace(data[position]))
            throw Invalid(sourceName, "its header does not end with a whitespace byte before the pixels (truncated file)");
        position++;

        var bytesPerSample = maxValue > 255 ? 2 : 1;
        long samples = (long)width * height * channels;
        if (samples > Array.MaxLength)
            throw new NotSupportedException($"'{sourceName}' is {width}×{height} pixels, too large to hold in one .NET array.");
        long available = data.Length - position;
        if (available < samples * bytesPerSample)
            throw Invalid(sourceName, $"{width}×{height}×{channels} samples need {samples * bytesPerSample} bytes but only {available} follow the header (truncated file)");

        var pixels = new byte[samples];
        for (var i = 0; i < samples; i++)
        {
            int v = bytesPerSample == 1 ? data[position + i] : (data[position + 2 * i] << 8) | data[position + 2 * i + 1];
            if (v > maxValue) throw Invalid(sourceName, $"sample {i} is {v}, above maxval {maxValue}");
            pixels[i] = maxValue == 255 ? (byte)v : (byte)((v * 255L + maxValue / 2) / maxValue);
        }
        return new RasterImage((int)width, (int)height, channels, pixels);
    }

    private static long ReadNumber(ReadOnlySpan<byte> data, ref int position, string what, string sourceName)
    {
        while (position < data.Length)
        {
            if (IsWhitespace(data[position])) position++;
            else if (data[position] == (byte)'#')
                while (position < data.Length && data[position] != (byte)'\n' && data[position] != (byte)'\r') position++;
            else break;
        }
        long value = 0;
        var start = position;
        while (position < data.Length && data[position] is >= (byte)'0' and <= (byte)'9' && value <= int.MaxValue)
            value = value * 10 + (data[position++] - '0');
        if (position == start) throw Invalid(sourceName, $"its header has no {what} at byte {start}");
        if (value > int.MaxValue) throw Invalid(sourceName, $"its {what} is larger than 2^31 − 1");
        return value;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    private static InvalidDataException Invalid(string sourceName, string what) =>
        new($"'{sourceName}' is not a valid PGM/PPM file: {what}.");
}
