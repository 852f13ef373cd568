namespace MeanFlow.Tests.Imaging;

/// <summary>ImageFile against PNG files written by libpng (via netpbm), compared with the sources they were made from.</summary>
public class ForeignPngTests : IDisposable
{
    private readonly TempFolder _folder = new();

    // The Netpbm sources end with their samples: 5×3 pixels of 1 (PGM) or 3 (PPM) bytes, 2 bytes each for 16 bits.
    private static readonly byte[] Rgb = ForeignPngFixtures.RgbPpm[^45..];
    private static readonly byte[] FourColours = ForeignPngFixtures.PalettePpm[^45..];
    private static readonly byte[] Grey = ForeignPngFixtures.Grey8Pgm[^15..];

    public void Dispose() => _folder.Dispose();

    private byte[] Decode(byte[] png, int expectedChannels)
    {
        var pixels = TestImages.Decode(_folder, png, $"{Guid.NewGuid():N}.png", out var channels);
        Assert.Equal(expectedChannels, channels);
        return pixels;
    }

    [Fact]
    public void PalettesExpandToTheSourceColours()
    {
        Assert.Equal(Rgb, Decode(ForeignPngFixtures.RgbPalette4Bit, 3));
        Assert.Equal(FourColours, Decode(ForeignPngFixtures.Palette2Bit, 3));
        Assert.Equal(Rgb, Decode(ForeignPngFixtures.RgbPaletteWithTransparency, 3)); // tRNS becomes alpha, which is dropped
        Assert.Equal(FourColours, Decode(ForeignPngFixtures.Rgb8, 3));
    }

    [Fact]
    public void GreyStaysOneChannelAndAlphaIsDropped()
    {
        Assert.Equal(Grey, Decode(ForeignPngFixtures.Grey8, 1));
        // Grey + alpha decodes as colour (R = G = B = grey): Auto reads it as RGB.
        Assert.Equal(TestImages.Zip(Grey, Grey, Grey), Decode(ForeignPngFixtures.GreyAlpha8, 3));
        Assert.Equal(Rgb, Decode(ForeignPngFixtures.Rgba8, 3));
    }

    [Fact]
    public void SixteenBitGreyIsWithinOneLevelOfTheNearestEightBitLevel()
    {
        var source = ForeignPngFixtures.Grey16Pgm[^30..];
        var nearest = Enumerable.Range(0, 15).Select(i => Math.Round(((source[2 * i] << 8) | source[2 * i + 1]) * 255.0 / 65535.0)).ToArray();
        var decoded = Decode(ForeignPngFixtures.Grey16, 1);
        for (var i = 0; i < 15; i++)
            Assert.True(Math.Abs(decoded[i] - nearest[i]) <= 1, $"sample {i}: {decoded[i]} vs nearest {nearest[i]}"); // SkiaSharp truncates to the high byte
    }

    [Fact]
    public void OneBitGreyIsBlackAndWhite()
    {
        // The PBM rows A5 40 and 0F C0 (1 = black): 1010010101 and 0000111111; a 10×2 image.
        byte[] expected =
        {
            0, 255, 0, 255, 255, 0, 255, 0, 255, 0,
            255, 255, 255, 255, 0, 0, 0, 0, 0, 0,
        };
        Assert.Equal(expected, Decode(ForeignPngFixtures.Grey1Bit, 1));
    }

    [Fact]
    public void InterlacedFilesDecode() => Assert.Equal(Rgb, Decode(ForeignPngFixtures.Interlaced, 3));
}
