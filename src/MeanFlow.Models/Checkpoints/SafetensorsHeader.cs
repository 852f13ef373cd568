using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace MeanFlow.Models.Checkpoints;

/// <summary>
/// Validation of a safetensors header before TorchSharp.PyBridge reads the data: the header length fits the file;
/// the header is a JSON object; every entry has a known dtype, a non-negative shape and data offsets that lie in
/// the data section and span exactly numel × element size bytes. (PyBridge trusts the header; a truncated or
/// inconsistent file would otherwise load zeros or fail in native code.)
/// </summary>
internal static class SafetensorsHeader
{
    private static readonly Dictionary<string, int> ElementSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Whether the first bytes look like a safetensors file of <paramref name="fileLength"/> bytes.</summary>
    internal static bool LooksLike(ReadOnlySpan<byte> head, long fileLength) =>
        head.Length >= 9 && BitConverter.ToUInt64(head[..8]) is var n && n >= 2 && n <= (ulong)(fileLength - 8) && head[8] == (byte)'{';

    /// <summary>Checks the header; returns the key → shape map of the tensors.</summary>
    internal static Dictionary<string, long[]> Validate(Stream stream)
    {
        var length = stream.Length;
        var prefix = new byte[8];
        stream.ReadExactly(prefix);
        var headerLength = BitConverter.ToUInt64(prefix);
        if (headerLength > (ulong)(length - 8) || headerLength > int.MaxValue)
            throw new InvalidDataException($"The safetensors header claims {headerLength} bytes but the file has {length - 8} after the length field.");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var dataLength = length - 8 - (long)headerLength;
        var shapes = new Dictionary<string, long[]>();
        using var document = Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException("The safetensors header is not a JSON object.");
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            shapes[entry.Name] = Entry(entry.Name, entry.Value, dataLength);
        }
        return shapes;
    }

    private static JsonDocument Parse(byte[] json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The safetensors header is not valid JSON: {e.Message}", e);
        }
    }

    private static long[] Entry(string key, JsonElement value, long dataLength)
    {
        try
        {
            var dtype = value.GetProperty("dtype").GetString() ?? "";
            if (!ElementSizes.TryGetValue(dtype, out var size))
                throw new InvalidDataException($"'{key}' has dtype '{dtype}'; supported are {string.Join(", ", ElementSizes.Keys)}.");
            var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (shape.Any(d => d < 0)) throw new InvalidDataException($"'{key}' has a negative dimension in shape {StateDictShapes.Format(shape)}.");
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var bytes = checked(shape.Aggregate(1L, (a, d) => checked(a * d)) * size);
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength || offsets[1] - offsets[0] != bytes)
                throw new InvalidDataException(
                    $"'{key}' ({dtype} {StateDictShapes.Format(shape)}, {bytes} bytes) has data offsets [{string.Join(", ", offsets)}], " +
                    $"which do not span its bytes inside the {dataLength}-byte data section (is the file truncated?).");
            return shape;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"The safetensors header entry '{key}' is malformed: {e.Message}", e);
        }
    }
}
