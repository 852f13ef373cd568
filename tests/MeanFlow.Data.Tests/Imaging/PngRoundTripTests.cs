using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using FsCheck.Xunit;
using MeanFlow.Imaging;
using Xunit;

namespace MeanFlow.Tests.Imaging;

public class PngRoundTripTests
{
    private static RasterImage RandomImage(int width, int height, int channels, int seed)
    {
        var pixels = new byte[width * height * channels];
        new Random(seed).NextBytes(pixels);
        return new RasterImage(width, height, channels, pixels);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EveryFilterRoundTripsBitExactly(int channels)
    {
        var image = RandomImage(13, 7, channels, seed: 40 + channels);
        var decoder = new PngDecoder();
        for (byte filter = 0; filter <= 4; filter++)
        {
            var decoded = decoder.Decode(PngEncoder.Encode(image, CompressionLevel.Fastest, filter), $"filter{filter}.png");
            Assert.Equal((image.Width, image.Height, image.Channels), (decoded.Width, decoded.Height, decoded.Channels));
            Assert.Equal(image.Pixels, decoded.Pixels);
        }
    }

    [Property(MaxTest = 60)]
    public void AdaptiveEncodingRoundTrips(byte w, byte h, byte c, int seed)
    {
        var image = RandomImage(1 + w % 24, 1 + h % 24, 1 + c % 4, seed);
        // Smooth images make the heuristic pick Sub/Up/Average/Paeth, random ones mostly None.
        var smooth = new RasterImage(image.Width, image.Height, image.Channels,
            image.Pixels.Select((b, i) => (byte)(i / image.Channels % image.Width * 3 + i / (image.Width * image.Channels) * 5 + b % 3)).ToArray());
        var decoder = new PngDecoder();
        Assert.Equal(image.Pixels, decoder.Decode(PngEncoder.Encode(image), "a.png").Pixels);
        Assert.Equal(smooth.Pixels, decoder.Decode(PngEncoder.Encode(smooth), "b.png").Pixels);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 4)]
    [InlineData(3, 2)]
    [InlineData(4, 6)]
    public void HeaderStatesSizeDepthAndColourType(int channels, byte colorType)
    {
        var png = PngEncoder.Encode(RandomImage(300, 2, channels, 1));
        Assert.Equal(PngBuilder.Signature, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(300, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal(8, png[24]);
        Assert.Equal(colorType, png[25]);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }, png[^12..]); // IEND
    }

    [Fact]
    public void SaveWritesAtomicallyAndReplaces()
    {
        using var folder = new TempFolder();
        var path = folder.File("sub/grid.png");
        var first = RandomImage(4, 3, 3, 1);
        var second = RandomImage(5, 2, 1, 2);
        PngEncoder.Save(first, path);
        PngEncoder.Save(second, path);
        Assert.Equal(PngEncoder.Encode(second), File.ReadAllBytes(path));
        Assert.Equal(second.Pixels, ImageFile.Load(path).Pixels);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left behind
    }
}
