using System.IO;
using MeanFlow.Data;

namespace MeanFlow.Tests.Data;

/// <summary>CIFAR-10 is not on these machines: the tests write small files in the real binary batch format.</summary>
public class Cifar10Tests
{
    // Record r: label r % 10; pixel (channel c, row y, column x) = (7r + 50c + 3y + x) mod 256.
    private static byte Pixel(int r, int c, int y, int x) => (byte)((7 * r + 50 * c + 3 * y + x) % 256);

    private static byte[] Batch(int firstRecord, int records)
    {
        var bytes = new byte[records * 3073];
        for (var k = 0; k < records; k++)
        {
            var r = firstRecord + k;
            bytes[k * 3073] = (byte)(r % 10);
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < 32; y++)
                    for (var x = 0; x < 32; x++)
                        bytes[k * 3073 + 1 + c * 1024 + y * 32 + x] = Pixel(r, c, y, x);
        }
        return bytes;
    }

    private static void WriteAll(string folder)
    {
        for (var i = 1; i <= 5; i++) File.WriteAllBytes(Path.Combine(folder, $"data_batch_{i}.bin"), Batch(3 * (i - 1), 3));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), Batch(100, 4));
    }

    [Fact]
    public void ReadsRedGreenBluePlanesInRecordOrder()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = Path.Combine(temp.Path, "cifar-10-batches-bin");
        Directory.CreateDirectory(folder);
        WriteAll(folder);

        using var train = Cifar10.Load(temp.Path); // the parent folder works too
        Assert.Equal(new long[] { 15, 3, 32, 32 }, train.Data.shape);
        Assert.Equal(Enumerable.Range(0, 15).Select(r => (long)(r % 10)).ToArray(), train.Labels!.data<long>().ToArray());
        var bytes = (train.Data * 255).round().to(ScalarType.Int32);
        foreach (var (r, c, y, x) in new[] { (0, 0, 0, 0), (4, 1, 31, 2), (14, 2, 7, 31), (9, 0, 16, 16) })
            Assert.Equal(Pixel(r, c, y, x), bytes[r, c, y, x].item<int>());
        Assert.Equal("automobile", train.ClassNames![1]);

        using var test = Cifar10.Load(folder, DatasetSplit.Test);
        Assert.Equal(4, test.Count);
        Assert.Equal(Pixel(103, 2, 5, 6) / 255f, test.Data[3, 2, 5, 6].item<float>());
    }

    [Fact]
    public void BrokenBatchesAreExplained()
    {
        using var temp = new TempFolder();
        var truncated = temp.File("data_batch_1.bin");
        File.WriteAllBytes(truncated, Batch(0, 2)[..^1]);
        var error = Assert.Throws<InvalidDataException>(() => Cifar10.ReadBatches(truncated));
        Assert.Contains(truncated, error.Message);
        Assert.Contains("3073", error.Message);

        var badLabel = Batch(0, 2);
        badLabel[3073] = 10;
        File.WriteAllBytes(truncated, badLabel);
        Assert.Contains("record 1 has label 10", Assert.Throws<InvalidDataException>(() => Cifar10.ReadBatches(truncated)).Message);
    }

    [Fact]
    public void MissingBatchIsFileNotFoundNamingIt()
    {
        using var temp = new TempFolder();
        WriteAll(temp.Path);
        File.Delete(Path.Combine(temp.Path, "data_batch_3.bin"));
        Assert.Contains("data_batch_3.bin", Assert.Throws<FileNotFoundException>(() => Cifar10.Load(temp.Path)).Message);
        Assert.Throws<DirectoryNotFoundException>(() => Cifar10.Load(Path.Combine(temp.Path, "nope")));
    }
}
