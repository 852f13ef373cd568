using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace MeanFlow.Models.Tests.Checkpoints;

/// <summary>Writes safetensors files byte by byte, independently of the library and of PyBridge: an unsigned 64-bit
/// little-endian header length, the UTF-8 JSON header (padded with spaces to a multiple of 8, as the reference writer
/// does), then the raw little-endian tensor data at the header's offsets.</summary>
internal static class SafetensorsBytes
{
    internal sealed class Entry
    {
        internal Entry(string name, string dtype, long[] shape, byte[] data) => (Name, Dtype, Shape, Data) = (name, dtype, shape, data);
        internal string Name { get; }
        internal string Dtype { get; }
        internal long[] Shape { get; }
        internal byte[] Data { get; }
    }

    internal static byte[] F32(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    internal static byte[] F64(params double[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        return bytes;
    }

    internal static void Write(string path, IReadOnlyList<Entry> entries, long truncateBy = 0, long offsetShift = 0)
    {
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var e in entries)
        {
            json.Append($",\"{e.Name}\":{{\"dtype\":\"{e.Dtype}\",\"shape\":[{string.Join(",", e.Shape)}],")
                .Append($"\"data_offsets\":[{offset + offsetShift},{offset + offsetShift + e.Data.Length}]}}");
            offset += e.Data.Length;
        }
        json.Append('}');
        while (Encoding.UTF8.GetByteCount(json.ToString()) % 8 != 0) json.Append(' ');
        var header = Encoding.UTF8.GetBytes(json.ToString());
        using var stream = new MemoryStream();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var e in entries) stream.Write(e.Data);
        File.WriteAllBytes(path, stream.ToArray().AsSpan(0, (int)(stream.Length - truncateBy)).ToArray());
    }

    internal static IReadOnlyList<Entry> Entries(params Entry[] entries) => entries.ToList();
}
