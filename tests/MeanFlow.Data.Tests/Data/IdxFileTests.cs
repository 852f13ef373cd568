using System.IO;
using MeanFlow.Data;

namespace MeanFlow.Tests.Data;

public class IdxFileTests
{
    private static readonly byte[] Pixels = Enumerable.Range(0, 3 * 2 * 4).Select(i => (byte)(i * 11)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesAndLabelsRawOrGzip(bool gzip)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var images = IdxWriter.Images(3, 2, 4, Pixels);
        var labels = IdxWriter.Labels(new byte[] { 7, 0, 9 });
        // Named without ".gz" on purpose: compression is recognised by content.
        File.WriteAllBytes(folder.File("images"), gzip ? IdxWriter.Gzip(images) : images);
        File.WriteAllBytes(folder.File("labels"), gzip ? IdxWriter.Gzip(labels) : labels);

        var x = IdxFile.ReadImages(folder.File("images"));
        Assert.Equal(new long[] { 3, 1, 2, 4 }, x.shape);
        Assert.Equal(ScalarType.Float32, x.dtype);
        // Row-major: image n, row r, column c is byte 8n + 4r + c.
        for (var n = 0; n < 3; n++)
            for (var r = 0; r < 2; r++)
                for (var c = 0; c < 4; c++)
                    Assert.Equal(Pixels[8 * n + 4 * r + c] / 255f, x[n, 0, r, c].item<float>());
        var y = IdxFile.ReadLabels(folder.File("labels"));
        Assert.Equal(ScalarType.Int64, y.dtype);
        Assert.Equal(new long[] { 7, 0, 9 }, y.data<long>().ToArray());
    }

    [Fact]
    public void WrongMagicNamesTheFileAndTheKind()
    {
        using var folder = new TempFolder();
        var path = folder.File("train-labels-idx1-ubyte");
        File.WriteAllBytes(path, IdxWriter.Labels(new byte[] { 1, 2 }));
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("2049", error.Message);
        Assert.Contains("labels file", error.Message);
    }

    [Theory]
    [InlineData(-1, "truncated")]
    [InlineData(-20, "truncated")]
    [InlineData(3, "does not match")]
    public void WrongLengthIsReported(int delta, string expected)
    {
        using var folder = new TempFolder();
        var full = IdxWriter.Images(3, 2, 4, Pixels);
        var data = delta < 0 ? full[..(full.Length + delta)] : full.Concat(new byte[delta]).ToArray();
        var path = folder.File("bad-images.gz");
        File.WriteAllBytes(path, IdxWriter.Gzip(data));
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TruncatedOrCorruptGzipIsInvalidData()
    {
        using var folder = new TempFolder();
        var gz = IdxWriter.Gzip(IdxWriter.Images(3, 2, 4, Pixels));
        var cut = folder.File("cut.gz");
        File.WriteAllBytes(cut, gz[..(gz.Length / 2)]);
        Assert.Contains(cut, Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(cut)).Message);
        var garbage = folder.File("garbage.gz");
        File.WriteAllBytes(garbage, new byte[] { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
        Assert.Contains(garbage, Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(garbage)).Message);
    }

    [Fact]
    public void MissingFileIsFileNotFoundNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "meanflow-missing", "t10k-images-idx3-ubyte.gz");
        Assert.Contains(path, Assert.Throws<FileNotFoundException>(() => IdxFile.ReadImages(path)).Message);
    }

    [Fact]
    public void MnistLoaderNamesTheMissingFileAndChecksCounts()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("t10k-images-idx3-ubyte.gz"), IdxWriter.Gzip(IdxWriter.Images(3, 2, 4, Pixels)));
        var missing = Assert.Throws<FileNotFoundException>(() => Mnist.Load(folder.Path, DatasetSplit.Test));
        Assert.Contains("t10k-labels-idx1-ubyte", missing.Message);

        File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxWriter.Labels(new byte[] { 1, 2 }));
        Assert.Contains("3 images", Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path, DatasetSplit.Test)).Message);

        File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxWriter.Labels(new byte[] { 1, 2, 10 }));
        Assert.Contains("label 10", Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path, DatasetSplit.Test)).Message);

        File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxWriter.Labels(new byte[] { 1, 2, 9 }));
        using var dataset = Mnist.Load(folder.Path, DatasetSplit.Test);
        Assert.Equal(3, dataset.Count);
        Assert.Equal(10, dataset.ClassCount);
    }
}
