using System;

namespace MeanFlow.Imaging;

/// <summary>
/// The CRC-32 of ISO 3309 / ITU-T V.42 used by PNG, gzip and zlib's crc32 (reflected polynomial
/// 0xEDB88320, initial value and final XOR 0xFFFFFFFF). CRC32("123456789") = 0xCBF43926.
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    /// <param name="data">The bytes to check.</param>
    /// <returns>The checksum.</returns>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Extends a checksum: Append(Compute(a), b) = Compute(a followed by b).</summary>
    /// <param name="crc">The CRC-32 of the bytes so far (0 for none).</param>
    /// <param name="data">The bytes that follow.</param>
    /// <returns>The CRC-32 of the concatenation.</returns>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        foreach (var b in data)
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
