using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace MeanFlow.Tests.Data;

/// <summary>Writes IDX files in the MNIST format (big-endian header, one byte per value), optionally gzip-compressed.</summary>
internal static class IdxWriter
{
    internal static byte[] Images(int count, int rows, int cols, byte[] pixels, int magic = 2051) =>
        Header(magic, count, rows, cols).Concat(pixels).ToArray();

    internal static byte[] Labels(byte[] labels, int magic = 2049) =>
        Header(magic, labels.Length).Concat(labels).ToArray();

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] Header(params int[] words)
    {
        var header = new byte[4 * words.Length];
        for (var i = 0; i < words.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 * i), words[i]);
        return header;
    }
}
