using System;
using System.Linq;
using MeanFlow.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Imaging;

public class ImageTensorsTests
{
    [Fact]
    public void BytesRoundTripThroughTensorsExactly()
    {
        using var scope = NewDisposeScope();
        var pixels = Enumerable.Range(0, 256 * 3).Select(i => (byte)(i * 37 % 256)).ToArray();
        var image = new RasterImage(16, 16, 3, pixels);
        var t = ImageTensors.ToTensor(image);
        Assert.Equal(new long[] { 3, 16, 16 }, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        // Planar layout: element (c, y, x) is pixel (x, y) channel c, divided by 255.
        Assert.Equal(image[5, 7, 2] / 255f, t[2, 7, 5].item<float>());
        Assert.Equal(pixels, ImageTensors.ToImage(t).Pixels);
        Assert.Equal(pixels, ImageTensors.ToImage(t * 2 - 1, PixelRange.MinusOneToOne).Pixels);
    }

    [Fact]
    public void QuantisationRoundsHalfUpAndClamps()
    {
        using var scope = NewDisposeScope();
        var values = tensor(new[] { -0.5f, 0f, 0.5f / 255f, 1.49f / 255f, 0.5f, 1f, 3f }).reshape(1, 1, 7);
        Assert.Equal(new byte[] { 0, 0, 1, 1, 128, 255, 255 }, ImageTensors.ToImage(values).Pixels);
        var signed = tensor(new[] { -2f, -1f, 0f, 1f }).reshape(1, 1, 4);
        Assert.Equal(new byte[] { 0, 0, 128, 255 }, ImageTensors.ToImage(signed, PixelRange.MinusOneToOne).Pixels);
    }

    [Fact]
    public void NonFiniteValuesAndBadShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => ImageTensors.ToImage(tensor(new[] { float.NaN }).reshape(1, 1, 1))).Message);
        Assert.Contains("(C, H, W)", Assert.Throws<ArgumentException>(() => ImageTensors.ToImage(zeros(2, 4, 4))).Message);
    }
}
