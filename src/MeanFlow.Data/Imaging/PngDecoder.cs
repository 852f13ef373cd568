using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace MeanFlow.Imaging;

/// <summary>
/// Reads non-interlaced PNG files in pure C#: grey (1, 2, 4, 8, 16 bits), RGB, grey + alpha and RGBA
/// (8, 16 bits) and palette (1, 2, 4, 8 bits, expanded to RGB; tRNS ignored). 16-bit samples are rounded to
/// 8 bits and low-bit grey is scaled to 0..255. Every chunk's CRC is checked.
/// </summary>
public sealed class PngDecoder : IImageDecoder
{
    private static readonly string[] Extensions = { ".png" };

    /// <inheritdoc />
    public IReadOnlyCollection<string> FileExtensions => Extensions;

    /// <inheritdoc />
    public RasterImage Decode(ReadOnlySpan<byte> data, string sourceName)
    {
        sourceName ??= "(PNG data)";
        if (data.Length < 8 || !data[..8].SequenceEqual(PngEncoder.Signature))
            throw Invalid(sourceName, "it does not start with the PNG signature 89 50 4E 47 0D 0A 1A 0A");

        PngHeader? header = null;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        var position = 8;
        while (true)
        {
            if (data.Length - position < 12)
                throw Invalid(sourceName, $"it ends at byte {data.Length} without an IEND chunk (truncated file)");
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
            var typeBytes = data.Slice(position + 4, 4);
            var type = System.Text.Encoding.ASCII.GetString(typeBytes);
            if (length > int.MaxValue || length > data.Length - position - 12)
                throw Invalid(sourceName, $"chunk '{type}' at byte {position} declares {length} data bytes but only {Math.Max(0, data.Length - position - 12)} remain (truncated file)");
            var body = data.Slice(position + 8, (int)length);
            var stored = BinaryPrimitives.ReadUInt32BigEndian(data[(position + 8 + (int)length)..]);
            var computed = Crc32.Append(Crc32.Compute(typeBytes), body);
            if (stored != computed)
                throw Invalid(sourceName, $"chunk '{type}' at byte {position} has CRC 0x{stored:X8} but its bytes give 0x{computed:X8} (corrupt file)");

            if (header is null && type != "IHDR")
                throw Invalid(sourceName, $"the first chunk is '{type}', not IHDR");
            switch (type)
            {
                case "IHDR":
                    if (header is not null) throw Invalid(sourceName, "it has two IHDR chunks");
                    header = PngHeader.Parse(body, sourceName);
                    break;
                case "PLTE":
                    if (length == 0 || length % 3 != 0 || length > 768)
                        throw Invalid(sourceName, $"its PLTE chunk has {length} bytes, not a multiple of 3 between 3 and 768");
                    palette = body.ToArray();
                    break;
                case "IDAT":
                    idat.Write(body);
                    break;
                case "IEND":
                    return Assemble(header!, palette, idat, sourceName);
                default:
                    if (char.IsUpper(type[0]))
                        throw new NotSupportedException($"'{sourceName}' has the critical PNG chunk '{type}', which this decoder does not know.");
                    break; // ancillary chunk: skip
            }
            position += 12 + (int)length;
        }
    }

    private static RasterImage Assemble(PngHeader header, byte[]? palette, MemoryStream idat, string sourceName)
    {
        if (idat.Length == 0) throw Invalid(sourceName, "it has no IDAT chunk");
        if (header.ColorType == 3 && palette is null) throw Invalid(sourceName, "it is a palette image without a PLTE chunk");
        int rowBytes = header.RowBytes, height = header.Height;
        var filtered = new byte[(long)height * (rowBytes + 1)];
        int read;
        try
        {
            read = Inflate(idat, filtered);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{sourceName}' is not a valid PNG file: its zlib image data is corrupt ({e.Message}).", e);
        }
        if (read < filtered.Length)
            throw Invalid(sourceName, $"its image data inflates to {read} bytes but {header.Width}×{height} pixels need {filtered.Length} (truncated file)");

        var rows = new byte[(long)height * rowBytes];
        var zero = new byte[rowBytes];
        for (var y = 0; y < height; y++)
        {
            var filter = filtered[(long)y * (rowBytes + 1)];
            var row = rows.AsSpan(y * rowBytes, rowBytes);
            filtered.AsSpan(y * (rowBytes + 1) + 1, rowBytes).CopyTo(row);
            ReadOnlySpan<byte> previous = y == 0 ? zero : rows.AsSpan((y - 1) * rowBytes, rowBytes);
            if (!PngFilter.TryReverse(filter, row, previous, header.FilterBytesPerPixel))
                throw Invalid(sourceName, $"row {y} has filter type {filter}; PNG defines 0 to 4");
        }
        return PngSamples.Expand(header, rows, palette, sourceName);
    }

    private static int Inflate(MemoryStream idat, byte[] destination)
    {
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
        var read = 0;
        while (read < destination.Length)
        {
            var n = zlib.Read(destination, read, destination.Length - read);
            if (n == 0) break;
            read += n;
        }
        return read;
    }

    internal static InvalidDataException Invalid(string sourceName, string what) =>
        new($"'{sourceName}' is not a valid PNG file: {what}.");
}
