using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace MeanFlow.Reliability.Fuzz;

/// <summary>
/// Deterministic structure-blind mutations of a seed file, as AFL's havoc stage does: bit flips, random bytes,
/// insertions, deletions, truncations, duplicated and spliced ranges, and "interesting" integers (0, ±1, powers of
/// two around type limits, the file's own length) written over 1, 2, 4 or 8 bytes in either byte order or as LEB128,
/// where length fields live. 1 to 4 mutations are stacked per input.
/// </summary>
public static class Mutator
{
    private static readonly long[] Interesting =
    {
        0, 1, -1, 2, 7, 8, 16, 32, 64, 100, 127, 128, 255, 256, 512, 1000, 1024, 4096, 32767, 32768, 65535, 65536,
        100_000, 1 << 20, 1 << 24, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, uint.MaxValue, 1L << 32, 1L << 40,
        1L << 48, 1L << 53, long.MaxValue, long.MinValue, 1L << 62, (1L << 61) + 1, 3L << 60,
    };

    /// <summary>A mutant of <paramref name="seed"/> (never longer than <paramref name="maxLength"/>).</summary>
    /// <param name="seed">The valid file.</param>
    /// <param name="other">Another seed of the same format, for splices.</param>
    /// <param name="random">The source of randomness (seeded: a run is reproducible).</param>
    /// <param name="maxLength">The cap on the mutant's length.</param>
    public static byte[] Mutate(byte[] seed, byte[] other, Random random, int maxLength = 1 << 20)
    {
        var bytes = new List<byte>(seed);
        var count = 1 + random.Next(4);
        for (var i = 0; i < count; i++) Apply(bytes, other, random);
        if (bytes.Count > maxLength) bytes.RemoveRange(maxLength, bytes.Count - maxLength);
        return bytes.ToArray();
    }

    private static void Apply(List<byte> bytes, byte[] other, Random random)
    {
        var n = bytes.Count;
        int At() => n == 0 ? 0 : random.Next(n);
        switch (random.Next(10))
        {
            case 0 when n > 0: // bit flip
                var bit = At();
                bytes[bit] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when n > 0: // random byte
                bytes[At()] = (byte)random.Next(256);
                break;
            case 2: // insert random bytes
                var insert = new byte[1 + random.Next(16)];
                random.NextBytes(insert);
                bytes.InsertRange(n == 0 ? 0 : random.Next(n + 1), insert);
                break;
            case 3 when n > 1: // delete a range
                var from = At();
                bytes.RemoveRange(from, Math.Min(n - from, 1 + random.Next(Math.Max(1, n / 8))));
                break;
            case 4 when n > 0: // truncate
                var keepLength = random.Next(n);
                bytes.RemoveRange(keepLength, n - keepLength);
                break;
            case 5 when n > 1: // duplicate a range elsewhere
                var start = At();
                var length = Math.Min(n - start, 1 + random.Next(64));
                bytes.InsertRange(random.Next(n + 1), bytes.GetRange(start, length));
                break;
            case 6 when other.Length > 0: // splice: this file's head, the other seed's tail
                var cut = n == 0 ? 0 : random.Next(n);
                var tail = random.Next(other.Length);
                bytes.RemoveRange(cut, n - cut);
                bytes.AddRange(other.AsSpan(tail).ToArray());
                break;
            case 7 or 8 when n > 0: // an interesting integer in a fixed-width field
                WriteInteger(bytes, At(), random.Next(3) == 0 ? n + random.Next(-8, 9) : Interesting[random.Next(Interesting.Length)], random);
                break;
            case 9 when n > 0: // an interesting integer as LEB128 (TorchSharp's lengths), replacing one byte
                var value = Interesting[random.Next(Interesting.Length)];
                var position = At();
                bytes.RemoveAt(position);
                bytes.InsertRange(position, Leb128(value));
                break;
            default:
                if (n > 0) bytes[At()] ^= 0xFF;
                break;
        }
    }

    private static void WriteInteger(List<byte> bytes, int offset, long value, Random random)
    {
        var width = 1 << random.Next(4); // 1, 2, 4, 8
        Span<byte> field = stackalloc byte[8];
        if (random.Next(2) == 0) BinaryPrimitives.WriteInt64LittleEndian(field, value);
        else BinaryPrimitives.WriteInt64BigEndian(field, value << (8 * (8 - width)));
        for (var i = 0; i < width && offset + i < bytes.Count; i++) bytes[offset + i] = field[i];
    }

    private static byte[] Leb128(long value)
    {
        var result = new List<byte>();
        var v = (ulong)value;
        do
        {
            var b = (byte)(v & 0x7F);
            v >>= 7;
            result.Add(v == 0 ? b : (byte)(b | 0x80));
        } while (v != 0);
        return result.ToArray();
    }
}
