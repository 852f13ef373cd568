using System;
using System.IO;
using System.Linq;
using MeanFlow.Imaging;
using Xunit;

namespace MeanFlow.Tests.Imaging;

/// <summary>The decoder on hand-built files: each filter against hand-computed bytes, low bit depths, and broken files.</summary>
public class PngDecoderTests
{
    private static readonly PngDecoder Decoder = new();

    // Grey 3×2: row 0 = 10 20 30, row 1 = 15 40 25. Row 1 filtered by hand with each filter (PNG spec §9):
    //   Sub:     15, 40−15, 25−40            = 15, 25, 241
    //   Up:      15−10, 40−20, 25−30          = 5, 20, 251
    //   Average: 15−⌊(0+10)/2⌋, 40−⌊(15+20)/2⌋, 25−⌊(40+30)/2⌋ = 10, 23, 246
    //   Paeth:   predictors b=10, b=20, a=40  → 5, 20, 241
    [Theory]
    [InlineData(1, 15, 25, 241)]
    [InlineData(2, 5, 20, 251)]
    [InlineData(3, 10, 23, 246)]
    [InlineData(4, 5, 20, 241)]
    public void ReversesEachFilterLikeTheSpec(byte filter, byte f0, byte f1, byte f2)
    {
        var png = PngBuilder.Simple(3, 2, 8, 0, new byte[] { 0, 10, 20, 30, filter, f0, f1, f2 });
        Assert.Equal(new byte[] { 10, 20, 30, 15, 40, 25 }, Decoder.Decode(png, "hand.png").Pixels);
    }

    [Theory]
    [InlineData(2, new byte[] { 0b00_01_10_11 }, new byte[] { 0, 85, 170, 255 })]
    [InlineData(4, new byte[] { 0x0F, 0x71 }, new byte[] { 0, 255, 119, 17 })]
    public void LowBitGreyScalesToFullRange(byte depth, byte[] row, byte[] expected)
    {
        var png = PngBuilder.Simple(4, 1, depth, 0, new byte[] { 0 }.Concat(row).ToArray());
        Assert.Equal(expected, Decoder.Decode(png, "low.png").Pixels);
    }

    [Fact]
    public void SkipsAncillaryChunks()
    {
        var png = PngBuilder.File(PngBuilder.Header(1, 1, 8, 0),
            PngBuilder.Chunk("tEXt", "Comment\0hello"u8.ToArray()), PngBuilder.Chunk("IDAT", PngBuilder.Zlib(new byte[] { 0, 77 })));
        Assert.Equal(new byte[] { 77 }, Decoder.Decode(png, "text.png").Pixels);
    }

    [Fact]
    public void EveryTruncationIsAnInvalidDataExceptionNamingTheFile()
    {
        var png = PngEncoder.Encode(new RasterImage(6, 5, 3, Enumerable.Range(0, 90).Select(i => (byte)(i * 7)).ToArray()));
        for (var length = 0; length < png.Length; length++)
        {
            var error = Assert.Throws<InvalidDataException>(() => Decoder.Decode(png.AsSpan(0, length), "cut.png"));
            Assert.Contains("'cut.png'", error.Message);
        }
    }

    [Fact]
    public void EverySingleByteCorruptionIsDetected()
    {
        var png = PngEncoder.Encode(new RasterImage(4, 3, 1, Enumerable.Range(0, 12).Select(i => (byte)(i * 20)).ToArray()));
        for (var i = 0; i < png.Length; i++)
        {
            var copy = (byte[])png.Clone();
            copy[i] ^= 0x5A;
            var error = Assert.ThrowsAny<Exception>(() => Decoder.Decode(copy, "flip.png"));
            Assert.True(error is InvalidDataException or NotSupportedException, $"byte {i}: {error.GetType().Name}: {error.Message}");
            Assert.Contains("'flip.png'", error.Message);
        }
    }

    [Fact]
    public void CrcMismatchIsReportedAsSuch()
    {
        var png = PngEncoder.Encode(new RasterImage(2, 2, 1, new byte[] { 1, 2, 3, 4 }));
        png[^1] ^= 1; // IEND's CRC
        var error = Assert.Throws<InvalidDataException>(() => Decoder.Decode(png, "crc.png"));
        Assert.Contains("CRC", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 5, 1, 2 }, "filter type 5")]
    [InlineData(new byte[] { 0, 1 }, "inflates to 2 bytes")]
    public void BadImageDataIsExplained(byte[] scanlines, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => Decoder.Decode(PngBuilder.Simple(2, 1, 8, 0, scanlines), "x.png"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void CorruptZlibDataIsExplained()
    {
        var png = PngBuilder.File(PngBuilder.Header(2, 1, 8, 0), PngBuilder.Chunk("IDAT", new byte[] { 0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF }));
        Assert.Contains("zlib", Assert.Throws<InvalidDataException>(() => Decoder.Decode(png, "z.png")).Message);
    }

    [Theory]
    [InlineData(8, 1, "colour type is 1")]
    [InlineData(16, 3, "bit depth 16 is not allowed with colour type 3")]
    [InlineData(4, 2, "bit depth 4 is not allowed with colour type 2")]
    public void InvalidHeadersAreExplained(byte depth, byte colorType, string expected)
    {
        var png = PngBuilder.Simple(1, 1, depth, colorType, new byte[] { 0, 0, 0, 0, 0, 0, 0 });
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => Decoder.Decode(png, "h.png")).Message);
    }

    [Fact]
    public void PaletteProblemsAreExplained()
    {
        var noPalette = PngBuilder.Simple(1, 1, 8, 3, new byte[] { 0, 0 });
        Assert.Contains("without a PLTE", Assert.Throws<InvalidDataException>(() => Decoder.Decode(noPalette, "p.png")).Message);
        var outOfRange = PngBuilder.Simple(2, 1, 8, 3, new byte[] { 0, 0, 2 }, palette: new byte[] { 1, 2, 3, 4, 5, 6 });
        Assert.Contains("palette entry 2", Assert.Throws<InvalidDataException>(() => Decoder.Decode(outOfRange, "p.png")).Message);
        var ok = PngBuilder.Simple(2, 1, 8, 3, new byte[] { 0, 1, 0 }, palette: new byte[] { 1, 2, 3, 4, 5, 6 });
        Assert.Equal(new byte[] { 4, 5, 6, 1, 2, 3 }, Decoder.Decode(ok, "p.png").Pixels);
    }

    [Fact]
    public void UnknownCriticalChunkIsNotSupported()
    {
        var png = PngBuilder.File(PngBuilder.Header(1, 1, 8, 0), PngBuilder.Chunk("QUUX", new byte[1]), PngBuilder.Chunk("IDAT", PngBuilder.Zlib(new byte[] { 0, 1 })));
        Assert.Contains("QUUX", Assert.Throws<NotSupportedException>(() => Decoder.Decode(png, "q.png")).Message);
    }

    [Fact]
    public void MissingFileIsFileNotFoundNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "meanflow-no-such-image.png");
        var error = Assert.Throws<FileNotFoundException>(() => ImageFile.Load(path));
        Assert.Contains(path, error.Message);
    }
}
