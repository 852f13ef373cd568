using System;
using System.Linq;
using MeanFlow.Imaging;
using Xunit;

namespace MeanFlow.Tests.Imaging;

/// <summary>The decoder against PNG files written by libpng (via netpbm), compared with the sources they were made from.</summary>
public class ForeignPngTests
{
    private static readonly PngDecoder Png = new();
    private static readonly NetpbmDecoder Netpbm = new();

    private static void AssertImage(RasterImage actual, int channels, byte[] expected)
    {
        Assert.Equal((5, 3, channels), (actual.Width, actual.Height, actual.Channels));
        Assert.Equal(expected, actual.Pixels);
    }

    [Fact]
    public void PalettesExpandToTheSourceColours()
    {
        var rgb = Netpbm.Decode(ForeignPngFixtures.RgbPpm, "rgb.ppm").Pixels;
        var fourColours = Netpbm.Decode(ForeignPngFixtures.PalettePpm, "pal.ppm").Pixels;
        AssertImage(Png.Decode(ForeignPngFixtures.RgbPalette4Bit, "rgb4.png"), 3, rgb);
        AssertImage(Png.Decode(ForeignPngFixtures.Palette2Bit, "pal2.png"), 3, fourColours);
        AssertImage(Png.Decode(ForeignPngFixtures.RgbPaletteWithTransparency, "trns.png"), 3, rgb); // tRNS is ignored
        AssertImage(Png.Decode(ForeignPngFixtures.Rgb8, "rgb8.png"), 3, fourColours);
    }

    [Fact]
    public void GreyAndAlphaMatchTheSources()
    {
        var grey = ForeignPngFixtures.Grey8Pgm[^15..];
        var alpha = ForeignPngFixtures.AlphaPgm[^15..];
        var rgb = ForeignPngFixtures.RgbPpm[^45..];
        AssertImage(Png.Decode(ForeignPngFixtures.Grey8, "g8.png"), 1, grey);
        AssertImage(Png.Decode(ForeignPngFixtures.GreyAlpha8, "ga.png"), 2, grey.Zip(alpha, (g, a) => new[] { g, a }).SelectMany(p => p).ToArray());
        var rgba = Enumerable.Range(0, 15).SelectMany(i => new[] { rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], alpha[i] }).ToArray();
        AssertImage(Png.Decode(ForeignPngFixtures.Rgba8, "rgba.png"), 4, rgba);
    }

    [Fact]
    public void SixteenBitGreyRoundsToNearestEightBitLevel()
    {
        var source = ForeignPngFixtures.Grey16Pgm[^30..];
        var expected = Enumerable.Range(0, 15).Select(i => (byte)Math.Round(((source[2 * i] << 8) | source[2 * i + 1]) * 255.0 / 65535.0)).ToArray();
        AssertImage(Png.Decode(ForeignPngFixtures.Grey16, "g16.png"), 1, expected);
    }

    [Fact]
    public void OneBitGreyIsBlackAndWhite()
    {
        // The PBM rows A5 40 and 0F C0 (1 = black): 1010010101 and 0000111111.
        var image = Png.Decode(ForeignPngFixtures.Grey1Bit, "bits.png");
        Assert.Equal((10, 2, 1), (image.Width, image.Height, image.Channels));
        byte[] expected =
        {
            0, 255, 0, 255, 255, 0, 255, 0, 255, 0,
            255, 255, 255, 255, 0, 0, 0, 0, 0, 0,
        };
        Assert.Equal(expected, image.Pixels);
    }

    [Fact]
    public void InterlacedFilesAreRejectedClearly()
    {
        var error = Assert.Throws<NotSupportedException>(() => Png.Decode(ForeignPngFixtures.Interlaced, "adam7.png"));
        Assert.Contains("adam7.png", error.Message);
        Assert.Contains("interlaced", error.Message);
    }
}
