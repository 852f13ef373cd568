using System.IO;
using MeanFlow.Data;
using MeanFlow.Imaging;
using MeanFlow.Tests.Imaging;

namespace MeanFlow.Tests.Data;

public class ImageFolderTests
{
    [Fact]
    public void SubfoldersAreClassesInOrdinalOrder()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        TestImages.SolidPng(temp.File("cats/b.png"), 4, 3, 10);
        TestImages.SolidPng(temp.File("cats/a.png"), 4, 3, 20);
        TestImages.Jpeg(temp.File("dogs/x.jpg"), 4, 3, Enumerable.Repeat((byte)30, 12).ToArray(), grey: true);
        File.WriteAllText(temp.File("dogs/notes.txt"), "ignored: not an image extension");
        TestImages.SolidPng(temp.File(".hidden/z.png"), 4, 3, 99);

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
        TestImages.SolidPng(temp.File("1.png"), 2, 2, 200, 100, 50, 128);  // RGBA: alpha is dropped
        TestImages.SolidPng(temp.File("2.png"), 2, 2, 77);                   // grey

        using var auto = ImageFolder.Load(temp.Path);
        Assert.Null(auto.Labels);
        Assert.Equal(new long[] { 2, 3, 2, 2 }, auto.Data.shape);           // one colour image → RGB
        Assert.Equal(new[] { 200 / 255f, 100 / 255f, 50 / 255f }, auto.Data[0, .., 1, 1].data<float>().ToArray());
        Assert.Equal(new[] { 77 / 255f, 77 / 255f, 77 / 255f }, auto.Data[1, .., 0, 0].data<float>().ToArray());

        using var grey = ImageFolder.Load(temp.Path, ImageColorMode.Grey);
        // round((299·200 + 587·100 + 114·50) / 1000) = round(124.2) = 124
        Assert.Equal(new[] { 124 / 255f, 77 / 255f }, grey.Data[.., 0, 0, 0].data<float>().ToArray());
    }

    [Fact]
    public void LayoutAndSizeProblemsAreExplained()
    {
        using var temp = new TempFolder();
        TestImages.SolidPng(temp.File("a/1.png"), 4, 3, 1);
        TestImages.SolidPng(temp.File("a/2.png"), 5, 3, 1);
        var sizes = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(temp.Path));
        Assert.Contains("5×3", sizes.Message);
        Assert.Contains("4×3", sizes.Message);
        Assert.Contains("resize", sizes.Message);

        File.Delete(temp.File("a/2.png"));
        Directory.CreateDirectory(temp.File("b"));
        Assert.Contains("holds no images", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(temp.Path)).Message);

        Directory.Delete(temp.File("b"));
        TestImages.SolidPng(temp.File("root.png"), 4, 3, 1);
        Assert.Contains("root.png", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(temp.Path)).Message);

        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Load(temp.File("missing")));
    }

    [Fact]
    public void CorruptImageNamesTheFile()
    {
        using var temp = new TempFolder();
        TestImages.SolidPng(temp.File("good.png"), 40, 30, 1);
        var png = File.ReadAllBytes(temp.File("good.png"));
        File.WriteAllBytes(temp.File("broken.png"), png[..(png.Length / 2)]);
        Assert.Contains("broken.png", Assert.Throws<InvalidDataException>(() => ImageFolder.Load(temp.Path)).Message);
    }
}
