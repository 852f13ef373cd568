using System.IO;
using FsCheck.Xunit;
using MeanFlow.Imaging;
using SkiaSharp;

namespace MeanFlow.Tests.Imaging;

public class ImageFileTests
{
    private static Tensor RandomBytes(int channels, int height, int width, int seed)
    {
        var bytes = new byte[channels * height * width];
        new Random(seed).NextBytes(bytes);
        return tensor(bytes, new long[] { channels, height, width });
    }

    /// <summary>Random pixels (C, 5, 6), their PNG, and a path in <paramref name="folder"/> to write variants of it to.</summary>
    private static (Tensor Bytes, byte[] Png, string Path) Encoded(TempFolder folder, int channels, int seed, string name)
    {
        var bytes = RandomBytes(channels, 5, 6, seed);
        return (bytes, ImageFile.EncodePng(bytes), folder.File(name));
    }

    [Property(MaxTest = 40)]
    public void WritePngThenReadGivesTheSameBytes(byte w, byte h, bool colour, int seed)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var bytes = RandomBytes(colour ? 3 : 1, 1 + h % 24, 1 + w % 24, seed);
        var path = folder.File("x.png");
        ImageFile.WritePng(ImageTensors.Dequantize(bytes), path);
        Assert.True(TestTensors.Identical(ImageTensors.Dequantize(bytes), ImageFile.Read(path)));
    }

    [Fact]
    public void AlphaIsWrittenAndDroppedOnRead()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var rgba = RandomBytes(4, 5, 7, seed: 3);
        var path = folder.File("rgba.png");
        ImageFile.WritePng(ImageTensors.Dequantize(rgba), path);
        Assert.True(TestTensors.Identical(ImageTensors.Dequantize(rgba.narrow(0, 0, 3)), ImageFile.Read(path)));
        using var bitmap = SKBitmap.Decode(path);  // the alpha plane is in the file, not premultiplied
        Assert.Equal(rgba[3, 4, 6].item<byte>(), bitmap.GetPixel(6, 4).Alpha);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(3, 2)]
    [InlineData(4, 6)]
    public void PngIsEightBitsOfTheMatchingColourType(int channels, byte colorType)
    {
        using var scope = NewDisposeScope();
        var png = ImageFile.EncodePng(RandomBytes(channels, 2, 300, seed: 1));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(new byte[] { 0, 0, 1, 44, 0, 0, 0, 2, 8, colorType }, png[16..26]); // width 300, height 2, 8 bits
    }

    [Fact]
    public void WritePngReplacesAtomically()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var path = folder.File("sub/grid.png");
        ImageFile.WritePng(ImageTensors.Dequantize(RandomBytes(3, 3, 4, seed: 1)), path);
        var second = ImageTensors.Dequantize(RandomBytes(1, 2, 5, seed: 2));
        ImageFile.WritePng(second, path);
        Assert.True(TestTensors.Identical(second, ImageFile.Read(path)));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left behind
    }

    [Fact]
    public void JpegIsReadAsWellAsPng()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        // A smooth RGB gradient, which JPEG at quality 100 (with chroma subsampling) keeps within a few levels.
        const int w = 16, h = 8;
        var rgba = Enumerable.Range(0, w * h).SelectMany(i => new[] { (byte)(100 + i % w * 3), (byte)(60 + i / w * 4), (byte)100, (byte)255 }).ToArray();
        var path = folder.File("gradient.jpg");
        TestImages.Jpeg(path, w, h, rgba, grey: false);
        var image = ImageFile.Read(path);
        Assert.Equal(new long[] { 3, h, w }, image.shape);
        var expected = tensor(rgba, new long[] { h, w, 4 }).permute(2, 0, 1).narrow(0, 0, 3);
        TestTensors.AssertAbsolute(image, ImageTensors.Dequantize(expected.contiguous()), 4 / 255.0, "JPEG at quality 100");
    }

    [Fact]
    public void ColourModesConvert()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        TestImages.SolidPng(folder.File("rgb.png"), 2, 2, 200, 100, 50);
        TestImages.SolidPng(folder.File("grey.png"), 2, 2, 77);
        // round((299·200 + 587·100 + 114·50) / 1000) = round(124.2) = 124 (ITU-R BT.601)
        Assert.Equal(Enumerable.Repeat(124 / 255f, 4), ImageFile.Read(folder.File("rgb.png"), ImageColorMode.Grey).flatten().data<float>().ToArray());
        Assert.Equal(Enumerable.Repeat(77 / 255f, 12), ImageFile.Read(folder.File("grey.png"), ImageColorMode.Rgb).flatten().data<float>().ToArray());
        Assert.Equal(new long[] { 1, 2, 2 }, ImageFile.Read(folder.File("grey.png")).shape);
    }

    [Fact]
    public void EveryTruncationThatLosesPixelsIsAnErrorNamingTheFile()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var (bytes, png, path) = Encoded(folder, channels: 3, seed: 7, "cut.png");
        for (var length = 0; length < png.Length; length++)
        {
            File.WriteAllBytes(path, png[..length]);
            // The last 20 bytes are zlib's Adler-32, the IDAT CRC and IEND: without them every pixel is still there.
            if (length >= png.Length - 20)
            {
                Assert.True(TestTensors.Identical(ImageTensors.Dequantize(bytes), ImageFile.Read(path)), $"length {length}");
                continue;
            }
            var error = Assert.Throws<InvalidDataException>(() => ImageFile.Read(path));
            Assert.Contains($"'{path}'", error.Message);
        }
    }

    [Fact]
    public void SkiaSharpAloneReturnsATruncatedPngAsAPartlyBlankImage()
    {
        // Why ImageFile checks the codec's result: SKBitmap.Decode reports success for a cut file.
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var png = ImageFile.EncodePng(full(3, 40, 40, (byte)200, ScalarType.Byte));
        var path = folder.File("cut.png");
        File.WriteAllBytes(path, png[..(png.Length / 2)]);
        using (var bitmap = SKBitmap.Decode(path))
        {
            Assert.NotNull(bitmap);
            Assert.NotEqual(200, bitmap.GetPixel(39, 39).Red);
        }
        Assert.Contains("truncated or corrupt", Assert.Throws<InvalidDataException>(() => ImageFile.Read(path)).Message);
    }

    [Fact]
    public void EverySingleByteCorruptionIsAnErrorOrLeavesThePixelsIntact()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var (bytes, png, path) = Encoded(folder, channels: 1, seed: 9, "flip.png");
        int errors = 0;
        for (var i = 0; i < png.Length; i++)
        {
            var copy = (byte[])png.Clone();
            copy[i] ^= 0x5A;
            File.WriteAllBytes(path, copy);
            Tensor? image = null;
            try { image = ImageFile.Read(path); }
            catch (InvalidDataException e)
            {
                Assert.Contains($"'{path}'", e.Message);
                errors++;
                continue;
            }
            // A flip in a checksum or an ancillary field: the pixels must be exactly the written ones.
            Assert.True(TestTensors.Identical(ImageTensors.Dequantize(bytes), image), $"byte {i} changed the pixels silently");
        }
        Assert.True(errors > png.Length / 2, $"only {errors} of {png.Length} corruptions were reported");
    }

    [Fact]
    public void NonImagesAndMissingFilesNameThePath()
    {
        using var folder = new TempFolder();
        var text = folder.File("notes.png");
        File.WriteAllText(text, "not an image");
        Assert.Contains($"'{text}'", Assert.Throws<InvalidDataException>(() => ImageFile.Read(text)).Message);
        var empty = folder.File("empty.png");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Contains($"'{empty}'", Assert.Throws<InvalidDataException>(() => ImageFile.Read(empty)).Message);
        var missing = folder.File("missing.png");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => ImageFile.Read(missing)).Message);
    }

    [Fact]
    public void BadTensorsAreRejected()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var path = folder.File("x.png");
        Assert.Contains("(C, H, W)", Assert.Throws<ArgumentException>(() => ImageFile.WritePng(zeros(2, 4, 4), path)).Message);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => ImageFile.WritePng(full(1, 2, 2, float.NaN), path)).Message);
        Assert.False(File.Exists(path));
    }
}
