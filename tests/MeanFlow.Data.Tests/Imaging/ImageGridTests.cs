using System.IO;
using MeanFlow.Imaging;

namespace MeanFlow.Tests.Imaging;

public class ImageGridTests
{
    [Theory]
    [InlineData(10, 4, 2)]
    [InlineData(7, 7, 0)]
    [InlineData(3, 8, 1)]
    public void LayoutPlacesImageIAtRowIOverColumnsColumnIModColumns(int count, int columns, int padding)
    {
        var layout = new ImageGridLayout(count, cellHeight: 5, cellWidth: 3, columns, padding);
        var effective = Math.Min(columns, count);
        Assert.Equal(effective, layout.Columns);
        Assert.Equal((count + effective - 1) / effective, layout.Rows);
        Assert.Equal(effective * (3 + padding) + padding, layout.Width);
        Assert.Equal(layout.Rows * (5 + padding) + padding, layout.Height);
        for (var i = 0; i < count; i++)
            Assert.Equal((padding + i % effective * (3 + padding), padding + i / effective * (5 + padding)), layout.CellOrigin(i));
        Assert.Throws<ArgumentOutOfRangeException>(() => layout.CellOrigin(count));
    }

    [Fact]
    public void EachImageLandsInItsCellAndPaddingHasThePadValue()
    {
        using var scope = NewDisposeScope();
        const int n = 7, columns = 3, padding = 2, h = 4, w = 5;
        // Image i, channel c, pixel (y, x) has the byte value 10·i + 3·c + (y·w + x) % 3, stored as byte / 255.
        var images = zeros(n, 3, h, w);
        for (var i = 0; i < n; i++)
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < h; y++)
                    for (var x = 0; x < w; x++)
                        images[i, c, y, x] = tensor((10 * i + 3 * c + (y * w + x) % 3) / 255f);

        var grid = ImageTensors.Quantize(ImageGrid.Arrange(images, columns, padding, padValue: 1.0));
        var layout = new ImageGridLayout(n, h, w, columns, padding);
        Assert.Equal(new long[] { 3, layout.Height, layout.Width }, grid.shape);
        var bytes = grid.data<byte>().ToArray();
        byte At(int c, int y, int x) => bytes[((long)c * layout.Height + y) * layout.Width + x];
        var inCell = new bool[layout.Width, layout.Height];
        for (var i = 0; i < n; i++)
        {
            var (left, top) = layout.CellOrigin(i);
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < h; y++)
                    for (var x = 0; x < w; x++)
                    {
                        Assert.Equal(10 * i + 3 * c + (y * w + x) % 3, At(c, top + y, left + x));
                        inCell[left + x, top + y] = true;
                    }
        }
        for (var y = 0; y < layout.Height; y++)
            for (var x = 0; x < layout.Width; x++)
                if (!inCell[x, y])
                    for (var c = 0; c < 3; c++) Assert.Equal(255, At(c, y, x)); // padding and the empty 9th cell
    }

    [Fact]
    public void SignedRangeFlagMapsMinusOneToBlack()
    {
        using var scope = NewDisposeScope();
        var images = tensor(new[] { -1f, 0f, 1f, 5f }).reshape(4, 1, 1, 1);
        var grid = ImageGrid.Arrange(images, columns: 4, padding: 0, range: PixelRange.MinusOneToOne);
        Assert.Equal(new byte[] { 0, 128, 255, 255 }, ImageTensors.Quantize(grid).data<byte>().ToArray());
    }

    [Fact]
    public void SaveWritesTheArrangedGridAsPng()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var images = rand(new long[] { 10, 1, 6, 6 }, generator: new Generator(3));
        var path = folder.File("samples/grid.png");
        var layout = ImageGrid.Save(images, path, columns: 5);
        Assert.Equal((2, 5), (layout.Rows, layout.Columns));
        var expected = ImageTensors.Dequantize(ImageTensors.Quantize(ImageGrid.Arrange(images, columns: 5)));
        Assert.True(TestTensors.Identical(expected, ImageFile.Read(path)));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void BadInputIsRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("(N, C, H, W)", Assert.Throws<ArgumentException>(() => ImageGrid.Arrange(zeros(2, 2, 4, 4))).Message);
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => ImageGrid.Arrange(full(new long[] { 1, 1, 2, 2 }, float.PositiveInfinity))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Arrange(zeros(2, 1, 4, 4), columns: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Arrange(zeros(2, 1, 4, 4), padValue: 1.5));
    }
}
