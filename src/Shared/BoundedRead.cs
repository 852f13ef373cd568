using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Internal;

/// <summary>
/// Reads length-prefixed values from a file whose bytes come from outside, checking every declared length against
/// the bytes that remain before anything is allocated. (BinaryReader.ReadString sizes a buffer by the declared
/// length, and TorchSharp's Tensor.Load allocates the declared shape, accepts any dtype code and loops forever on a
/// short stream.) Every failure is an <see cref="InvalidDataException"/>.
/// </summary>
internal static class BoundedRead
{
    /// <summary>Bytes per element of the dtypes a state dict may hold.</summary>
    private static readonly Dictionary<ScalarType, int> ElementSizes = new()
    {
        [ScalarType.Byte] = 1, [ScalarType.Int8] = 1, [ScalarType.Int16] = 2, [ScalarType.Int32] = 4, [ScalarType.Int64] = 8,
        [ScalarType.Float16] = 2, [ScalarType.BFloat16] = 2, [ScalarType.Float32] = 4, [ScalarType.Float64] = 8,
        [ScalarType.ComplexFloat32] = 8, [ScalarType.ComplexFloat64] = 16, [ScalarType.Bool] = 1,
    };

    /// <summary>libtorch's limit on the number of dimensions.</summary>
    private const int MaxRank = 64;

    /// <summary>Bytes left in the reader's stream.</summary>
    internal static long Remaining(BinaryReader reader) => reader.BaseStream.Length - reader.BaseStream.Position;

    /// <summary>A string as written by BinaryWriter.Write(string): 7-bit encoded byte length, then UTF-8.</summary>
    internal static string String(BinaryReader reader, string what)
    {
        var start = reader.BaseStream.Position;
        var length = Guarded(reader.Read7BitEncodedInt, what);
        if (length < 0 || length > Remaining(reader))
            throw new InvalidDataException($"{what} declares {length} bytes at offset {start} but only {Remaining(reader)} remain.");
        reader.BaseStream.Position = start;
        return Guarded(reader.ReadString, what);
    }

    /// <summary>An item count (int32) that cannot exceed the remaining bytes divided by <paramref name="minimumItemBytes"/>.</summary>
    internal static int Count(BinaryReader reader, int minimumItemBytes, string what)
    {
        var count = Guarded(reader.ReadInt32, what);
        if (count < 0 || (long)count * minimumItemBytes > Remaining(reader))
            throw new InvalidDataException($"{what} declares {count} item(s), impossible in the {Remaining(reader)} byte(s) that remain.");
        return count;
    }

    /// <summary>A tensor as written by TorchSharp's Tensor.Save: LEB128 dtype code, LEB128 rank, LEB128 sizes, then
    /// the elements, little-endian. Returns a CPU tensor in the current dispose scope.</summary>
    internal static Tensor Tensor(BinaryReader reader, string what)
    {
        var start = reader.BaseStream.Position;
        var code = Leb128(reader, what);
        if (code > int.MaxValue || !ElementSizes.TryGetValue((ScalarType)code, out var size))
            throw new InvalidDataException($"{what} at offset {start} has dtype code {code}, not one of {string.Join(", ", ElementSizes.Keys)}.");
        var rank = Leb128(reader, what);
        if (rank > MaxRank) throw new InvalidDataException($"{what} at offset {start} declares {rank} dimensions (at most {MaxRank}).");
        var shape = new long[rank];
        // Bytes of the data, and of the data if every 0 size were 1: libtorch's strides are the latter's partial
        // products, which must fit in 63 bits even when the tensor is empty.
        long bytes = size, strided = size;
        for (var i = 0; i < rank; i++)
        {
            shape[i] = Leb128(reader, what);
            bytes = shape[i] == 0 ? 0 : bytes <= Remaining(reader) / shape[i] ? bytes * shape[i] : long.MaxValue;
            strided = shape[i] <= 1 || strided <= (1L << 62) / shape[i] ? strided * Math.Max(shape[i], 1) : long.MaxValue;
        }
        if (bytes > Remaining(reader) || strided > 1L << 62)
            throw new InvalidDataException($"{what} at offset {start} declares {(ScalarType)code} [{string.Join(", ", shape)}] but only {Remaining(reader)} byte(s) remain.");
        var result = empty(shape, (ScalarType)code);
        if (bytes > 0) result.ReadBytesFromStream(reader.BaseStream);
        return result;
    }

    /// <summary>An unsigned LEB128 value below 2⁶³ (TorchSharp's encoding of codes and sizes).</summary>
    private static long Leb128(BinaryReader reader, string what)
    {
        long value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = Guarded(reader.ReadByte, what);
            if (shift == 63 && b > 0 || shift > 63)
                throw new InvalidDataException($"{what} has a LEB128 value that does not fit in 63 bits (offset {reader.BaseStream.Position - 1}).");
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
    }

    private static T Guarded<T>(Func<T> read, string what)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"{what} is truncated or malformed: {e.Message}", e);
        }
    }
}
