using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Imaging;

/// <summary>
/// Conversions between 8-bit pixels and float tensors. Quantisation is defined once here: a value v in [0, 1]
/// becomes the byte ⌊255·v + ½⌋ (round half up, as torchvision's save_image), values outside the range are
/// clamped, and a byte b reads back as b / 255 in float32, so bytes round-trip exactly.
/// </summary>
public static class ImageTensors
{
    /// <summary>Pixels as float32 in [0, 1]: b / 255.</summary>
    /// <param name="bytes">uint8 samples, any shape and device.</param>
    /// <returns>float32, the same shape and device.</returns>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not uint8.</exception>
    public static Tensor Dequantize(Tensor bytes)
    {
        Guard.NotNull(bytes, nameof(bytes));
        if (bytes.dtype != ScalarType.Byte)
            throw new ArgumentException($"bytes must be a uint8 tensor; got {bytes.dtype} {Guard.Shape(bytes)}.", nameof(bytes));
        return bytes.to(ScalarType.Float32).div_(255f);
    }

    /// <summary>Images as bytes ⌊255·v + ½⌋ after mapping <paramref name="range"/> to [0, 1] and clamping.</summary>
    /// <param name="images">Any shape, floating, any device.</param>
    /// <param name="range">The tensor's black-to-white range. The default is [0, 1].</param>
    /// <returns>uint8, the same shape and device.</returns>
    /// <exception cref="ArgumentException"><paramref name="images"/> is not floating or holds NaN or an infinity.</exception>
    public static Tensor Quantize(Tensor images, PixelRange range = PixelRange.ZeroToOne)
    {
        using var scope = NewDisposeScope();
        return UnitRange(images, range, nameof(images)).mul(255f).add_(0.5f).floor_().to(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>Float32 in [0, 1]: <paramref name="range"/> mapped to [0, 1], then clamped.</summary>
    internal static Tensor UnitRange(Tensor images, PixelRange range, string name)
    {
        Guard.Floating(images, name);
        using var scope = NewDisposeScope();
        Guard.AllFinite(images, name);
        var x = images.to(ScalarType.Float32);
        var unit = range switch
        {
            PixelRange.ZeroToOne => x,
            PixelRange.MinusOneToOne => (x + 1f) * 0.5f,
            _ => throw new ArgumentOutOfRangeException(nameof(range), range, $"range must be ZeroToOne or MinusOneToOne; got {range}."),
        };
        return unit.clamp(0f, 1f).MoveToOuterDisposeScope();
    }
}
