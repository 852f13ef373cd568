using MeanFlow.Imaging;

namespace MeanFlow.Tests.Imaging;

public class ImageTensorsTests
{
    [Fact]
    public void BytesRoundTripThroughFloatsExactly()
    {
        using var scope = NewDisposeScope();
        var bytes = tensor(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());
        var floats = ImageTensors.Dequantize(bytes);
        Assert.Equal(ScalarType.Float32, floats.dtype);
        Assert.Equal(37 / 255f, floats[37].item<float>());
        Assert.True(TestTensors.Identical(bytes, ImageTensors.Quantize(floats)));
        Assert.True(TestTensors.Identical(bytes, ImageTensors.Quantize(floats * 2 - 1, PixelRange.MinusOneToOne)));
    }

    [Fact]
    public void QuantisationRoundsHalfUpAndClamps()
    {
        using var scope = NewDisposeScope();
        var values = tensor(new[] { -0.5f, 0f, 0.5f / 255f, 1.49f / 255f, 0.5f, 1f, 3f });
        Assert.Equal(new byte[] { 0, 0, 1, 1, 128, 255, 255 }, ImageTensors.Quantize(values).data<byte>().ToArray());
        var signed = tensor(new[] { -2f, -1f, 0f, 1f });
        Assert.Equal(new byte[] { 0, 0, 128, 255 }, ImageTensors.Quantize(signed, PixelRange.MinusOneToOne).data<byte>().ToArray());
    }

    [Fact]
    public void NonFiniteValuesAndWrongDtypesAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("non-finite", Assert.Throws<ArgumentException>(() => ImageTensors.Quantize(tensor(new[] { float.NaN }))).Message);
        Assert.Contains("uint8", Assert.Throws<ArgumentException>(() => ImageTensors.Dequantize(zeros(2))).Message);
    }
}
