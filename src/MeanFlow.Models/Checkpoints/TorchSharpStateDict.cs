using System.Collections.Generic;
using MeanFlow.Internal;
using System.IO;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Checkpoints;

/// <summary>TorchSharp's state-dict format (<c>Module.save</c>/<c>Module.load</c>): a 7-bit (LEB128) encoded
/// count, then per entry a length-prefixed UTF-8 name and a tensor as written by <c>Tensor.Save</c>.</summary>
internal static class TorchSharpStateDict
{
    internal static void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> entries)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write7BitEncodedInt64(entries.Count);
        foreach (var (key, tensor) in entries)
        {
            writer.Write(key);
            tensor.Save(writer);
        }
    }

    internal static Dictionary<string, Tensor> Read(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var count = reader.Read7BitEncodedInt64();
        // An entry takes at least 4 bytes: an empty name's length, a dtype code, a rank and no data.
        if (count < 0 || count > BoundedRead.Remaining(reader) / 4)
            throw new InvalidDataException($"The entry count {count} is impossible for a file of {stream.Length} bytes.");
        var result = new Dictionary<string, Tensor>();
        for (long i = 0; i < count; i++)
        {
            var key = BoundedRead.String(reader, $"The name of entry {i}");
            if (!result.TryAdd(key, BoundedRead.Tensor(reader, $"The tensor '{key}'")))
                throw new InvalidDataException($"The key '{key}' occurs twice.");
        }
        if (BoundedRead.Remaining(reader) != 0)
            throw new InvalidDataException($"The file has {BoundedRead.Remaining(reader)} byte(s) after its {count} entries.");
        return result;
    }
}
