using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using MeanFlow.Imaging;

namespace MeanFlow.Tests.Imaging;

/// <summary>Builds PNG files chunk by chunk from hand-written scanlines, to test the decoder on inputs its encoder never makes.</summary>
internal static class PngBuilder
{
    internal static readonly byte[] Signature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    internal static byte[] Header(int width, int height, byte bitDepth, byte colorType, byte interlace = 0)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colorType;
        header[12] = interlace;
        return header;
    }

    internal static byte[] Zlib(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(data);
        return output.ToArray();
    }

    internal static byte[] Chunk(string type, byte[] data)
    {
        var typeBytes = Encoding.ASCII.GetBytes(type);
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typeBytes.CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.Append(Crc32.Compute(typeBytes), data));
        return chunk;
    }

    /// <summary>Signature, IHDR, the given middle chunks, IEND.</summary>
    internal static byte[] File(byte[] header, params byte[][] chunks) =>
        Signature.Concat(Chunk("IHDR", header)).Concat(chunks.SelectMany(c => c)).Concat(Chunk("IEND", Array.Empty<byte>())).ToArray();

    /// <summary>A complete file from filtered scanlines (each row: filter byte, then the row's bytes).</summary>
    internal static byte[] Simple(int width, int height, byte bitDepth, byte colorType, byte[] scanlines, byte[]? palette = null)
    {
        var idat = Chunk("IDAT", Zlib(scanlines));
        return palette is null
            ? File(Header(width, height, bitDepth, colorType), idat)
            : File(Header(width, height, bitDepth, colorType), Chunk("PLTE", palette), idat);
    }
}
