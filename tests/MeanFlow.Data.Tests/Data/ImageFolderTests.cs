using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using MeanFlow.Data;
using MeanFlow.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Data;

public class ImageFolderTests
{
    private static RasterImage Solid(int width, int height, params byte[] colour) =>
        new(width, height, colour.Length, Enumerable.Range(0, width * height).SelectMany(_ => colour).ToArray());

    private static void WritePgm(string path, int width, int height, byte value) =>
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes($"P5 {width} {height} 255\n").Concat(Enumerable.Repeat(value, width * height)).ToArray());

    [Fact]
    public void SubfoldersAreClassesInOrdinalOrder()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        PngEncoder.Save(Solid(4, 3, 10), temp.File("cats/b.png"));
        PngEncoder.Save(Solid(4, 3, 20), temp.File("cats/a.png"));
        WritePgm(temp.File("dogs/x.pgm"), 4, 3, 30);
        File.WriteAllText(temp.File("dogs/notes.txt"), "ignored: not an image extension");
        PngEncoder.Save(Solid(4, 3, 99), temp.File(".hidden/z.png"));

        using var dataset = ImageFolder.Load(temp.Path);
        Assert.Equal(new long[] { 3, 1, 3, 4 }, dataset.Data.shape);
        Assert.Equal(new[] { "cats", "dogs" }, dataset.ClassNames);
        Assert.Equal(new long[] { 0, 0, 1 }, dataset.Labels!.data<long>().ToArray());
        Assert.Equal(new[] { 20 / 255f, 10 / 255f, 30 / 255f }, dataset.Data[.., 0, 2, 3].data<float>().ToArray()); // a.png before b.png
    }

    [Fact]
    public void FlatFolderIsUnlabelledAndColourModesConvert()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        PngEncoder.Save(Solid(2, 2, 200, 100, 50, 128), temp.File("1.png"));  // RGBA: alpha is dropped
        PngEncoder.Save(Solid(2, 2, 77), temp.File("2.png"));                   // grey

        using var auto = ImageFolder.Load(temp.Path);
        Assert.Null(auto.Labels);
        Assert.Equal(new long[] { 2, 3, 2, 2 }, auto.Data.shape);           // one colour image → RGB
        Assert.Equal(new[] { 200 / 255f, 100 / 255f, 50 / 255f }, auto.Data[0, .., 1, 1].data<float>().ToArray());
        Assert.Equal(new[] { 77 / 255f, 77 / 255f, 77 / 255f }, auto.Data[1, .., 0, 0].data<float>().ToArray());

        using var grey = ImageFolder.Load(temp.Path, new ImageFolderOptions { ColorMode = ImageColorMode.Grey });
        // round((299·200 + 587·100 + 114·50) / 1000) = round(124.2) = 124
        Assert.Equal(new[] { 124 / 255f, 77 / 255f }, grey.Data[.., 0, 0, 0].data<float>().ToArray());
    }

    [Fact]
    public void LayoutAndSizeProblemsAreExplained()
    {
        using var temp = new TempFolder();
        PngEncoder.Save(Solid(4, 3, 1), temp.File("a/1.png"));
        PngEncoder.Save(Solid(5, 3, 1), temp.File("a/2.png"));
        var sizes = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(temp.Path));
        Assert.Contains("5×3", sizes.Message);
        Assert.Contains("4×3", sizes.Message);
        Assert.Contains("resize", sizes.Message);

        File.Delete(temp.File("a/2.png"));
        Directory.CreateDirectory(temp.File("b"));
        Assert.Contains("holds no images", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(temp.Path)).Message);

        Directory.Delete(temp.File("b"));
        PngEncoder.Save(Solid(4, 3, 1), temp.File("root.png"));
        Assert.Contains("root.png", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(temp.Path)).Message);

        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Load(temp.File("missing")));
    }

    [Fact]
    public void CorruptImageNamesTheFile()
    {
        using var temp = new TempFolder();
        var png = PngEncoder.Encode(Solid(4, 3, 1));
        File.WriteAllBytes(temp.File("broken.png"), png[..^3]);
        Assert.Contains("broken.png", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(temp.Path)).Message);
    }

    [Fact]
    public void OtherFormatsPlugIn()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("x.fake"), new byte[] { 42 });
        PngEncoder.Save(Solid(1, 1, 7), temp.File("y.png"));
        var decoder = CompositeImageDecoder.Default.With(new FakeDecoder());
        using var dataset = ImageFolder.Load(temp.Path, new ImageFolderOptions { Decoder = decoder });
        Assert.Equal(new[] { 42 / 255f, 7 / 255f }, dataset.Data.flatten().data<float>().ToArray());
        Assert.Throws<NotSupportedException>(() => CompositeImageDecoder.Default.Decode(new byte[1], "x.fake"));
    }

    private sealed class FakeDecoder : IImageDecoder
    {
        public IReadOnlyCollection<string> FileExtensions { get; } = new[] { ".fake" };

        public RasterImage Decode(ReadOnlySpan<byte> data, string sourceName) => new(1, 1, 1, data.ToArray());
    }
}
