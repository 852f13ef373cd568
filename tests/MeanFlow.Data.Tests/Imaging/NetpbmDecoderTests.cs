using System;
using System.IO;
using System.Linq;
using System.Text;
using MeanFlow.Imaging;
using Xunit;

namespace MeanFlow.Tests.Imaging;

public class NetpbmDecoderTests
{
    private static readonly NetpbmDecoder Decoder = new();

    private static byte[] File(string header, params byte[] pixels) => Encoding.ASCII.GetBytes(header).Concat(pixels).ToArray();

    [Fact]
    public void ReadsPgmWithComments()
    {
        var image = Decoder.Decode(File("P5\n# a comment\n3 2 # inline\n255\n", 0, 1, 2, 253, 254, 255), "a.pgm");
        Assert.Equal((3, 2, 1), (image.Width, image.Height, image.Channels));
        Assert.Equal(new byte[] { 0, 1, 2, 253, 254, 255 }, image.Pixels);
    }

    [Fact]
    public void ReadsPpmInterleaved()
    {
        var image = Decoder.Decode(File("P6 2 1 255 ", 1, 2, 3, 4, 5, 6), "a.ppm");
        Assert.Equal((2, 1, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, image.Pixels);
    }

    [Fact]
    public void ScalesOtherMaxValues()
    {
        // maxval 15: round(v·255/15) = 17v. maxval 65535 (two big-endian bytes): round(v / 257).
        Assert.Equal(new byte[] { 0, 136, 255 }, Decoder.Decode(File("P5 3 1 15\n", 0, 8, 15), "m.pgm").Pixels);
        Assert.Equal(new byte[] { 0, 1, 255, 128 },
            Decoder.Decode(File("P5 4 1 65535\n", 0, 128, 1, 129, 255, 255, 128, 127), "w.pgm").Pixels); // 128, 385, 65535, 32895
    }

    [Theory]
    [InlineData("P5 3 2 255\n", 5, "truncated")]
    [InlineData("P5 3 2", 0, "no maxval")]
    [InlineData("P5 3\n", 0, "no height")]
    [InlineData("P5 0 2 255\n", 0, "empty")]
    [InlineData("P5 1 1 70000\n", 2, "maxval")]
    [InlineData("Q5 1 1 255\n", 1, "P5")]
    public void BrokenFilesAreInvalidData(string header, int pixelBytes, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => Decoder.Decode(File(header, new byte[pixelBytes]), "bad.pgm"));
        Assert.Contains("'bad.pgm'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void SampleAboveMaxValIsInvalid() =>
        Assert.Contains("above maxval", Assert.Throws<InvalidDataException>(() => Decoder.Decode(File("P5 1 1 15\n", 16), "s.pgm")).Message);

    [Fact]
    public void AsciiVariantsAreNotSupported() =>
        Assert.Contains("P2", Assert.Throws<NotSupportedException>(() => Decoder.Decode(File("P2 1 1 255\n0\n"), "ascii.pgm")).Message);
}
