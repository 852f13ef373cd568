using System;
using System.IO;
using System.IO.Compression;

namespace MeanFlow.Internal;

/// <summary>
/// Reads a whole data file into memory, transparently inflating gzip (recognised by its magic bytes
/// 1F 8B, not by the file name). Failures name the file: a missing file is a
/// <see cref="FileNotFoundException"/>, a damaged gzip stream an <see cref="InvalidDataException"/>.
/// </summary>
internal static class FileBytes
{
    internal static byte[] Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The file '{Path.GetFullPath(path)}' does not exist.", path);
        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B) return raw;
        try
        {
            // The decompressed size is bounded by the data actually present, never by a header's claim.
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var inflated = new MemoryStream((int)Math.Min(4L * raw.Length, Array.MaxLength));
            gzip.CopyTo(inflated);
            return inflated.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid gzip file: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{path}' is a truncated gzip file: {e.Message}", e);
        }
    }

    internal static int ReadBigEndianInt32(ReadOnlySpan<byte> bytes, int offset) =>
        (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
}
