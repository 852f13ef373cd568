using System;

namespace MeanFlow.Imaging;

/// <summary>
/// PNG's five scanline filters (PNG spec §9): each byte is predicted from its left neighbour a, the byte
/// above b and the upper-left c (zero outside the image), and the filtered byte is the difference mod 256.
/// bpp is the number of bytes per complete pixel, at least 1.
/// </summary>
internal static class PngFilter
{
    internal const byte None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4;

    /// <summary>Applies filter <paramref name="type"/> to a raw row.</summary>
    internal static void Apply(byte type, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> previousRaw, int bpp, Span<byte> filtered)
    {
        for (var i = 0; i < raw.Length; i++)
            filtered[i] = (byte)(raw[i] - Predict(type, raw, previousRaw, i, bpp));
    }

    /// <summary>Reverses filter <paramref name="type"/> in place; <paramref name="previousRaw"/> is the row above, already reversed.</summary>
    internal static bool TryReverse(byte type, Span<byte> row, ReadOnlySpan<byte> previousRaw, int bpp)
    {
        if (type > Paeth) return false;
        // Left-to-right, so row[i − bpp] is already the raw value when byte i is predicted.
        for (var i = 0; i < row.Length; i++)
            row[i] = (byte)(row[i] + Predict(type, row, previousRaw, i, bpp));
        return true;
    }

    private static int Predict(byte type, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> previousRaw, int i, int bpp)
    {
        int a = i >= bpp ? raw[i - bpp] : 0;
        int b = previousRaw[i];
        int c = i >= bpp ? previousRaw[i - bpp] : 0;
        return type switch
        {
            Sub => a,
            Up => b,
            Average => (a + b) >> 1,
            Paeth => PaethPredictor(a, b, c),
            _ => 0,
        };
    }

    /// <summary>The neighbour (a, b or c, ties in that order) closest to a + b − c.</summary>
    internal static int PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }
}
