using System;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Imaging;

/// <summary>
/// Conversions between 8-bit images and float tensors. Quantisation is defined once here: a value v in
/// [0, 1] becomes the byte ⌊255·v + ½⌋ (round half up, as torchvision's save_image), values outside the
/// range are clamped, and a byte b reads back as b / 255 in float32, so bytes round-trip exactly.
/// </summary>
public static class ImageTensors
{
    /// <summary>An image as a (C, H, W) float32 tensor in [0, 1].</summary>
    /// <param name="image">The image; all its channels are kept (alpha included).</param>
    /// <param name="device">Where the tensor lives. The default is the CPU.</param>
    /// <returns>Shape (C, H, W), values b / 255.</returns>
    public static Tensor ToTensor(RasterImage image, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        var hwc = tensor(image.Pixels, new long[] { image.Height, image.Width, image.Channels });
        var chw = hwc.permute(2, 0, 1).to(ScalarType.Float32).div_(255f).contiguous();
        return (device is null ? chw : chw.to(device)).MoveToOuterDisposeScope();
    }

    /// <summary>A (C, H, W) tensor as an 8-bit image.</summary>
    /// <param name="image">Shape (C, H, W) with C = 1 (grey), 3 (RGB) or 4 (RGBA); any floating dtype and device.</param>
    /// <param name="range">The tensor's black-to-white range. The default is [0, 1].</param>
    /// <returns>The quantised image.</returns>
    /// <exception cref="ArgumentException">The shape is wrong or a value is NaN or infinite.</exception>
    public static RasterImage ToImage(Tensor image, PixelRange range = PixelRange.ZeroToOne)
    {
        Guard.Floating(image, nameof(image));
        if (image.dim() != 3 || image.shape[0] is not (1 or 3 or 4))
            throw new ArgumentException($"image must have shape (C, H, W) with C = 1, 3 or 4; got {Guard.Shape(image)}.", nameof(image));
        using var scope = NewDisposeScope();
        var bytes = Quantize(image.permute(1, 2, 0), range, nameof(image));
        return new RasterImage((int)image.shape[2], (int)image.shape[1], (int)image.shape[0], bytes);
    }

    /// <summary>Quantises any floating tensor to bytes in its row-major order (see the class remarks).</summary>
    internal static byte[] Quantize(Tensor x, PixelRange range, string name)
    {
        using var scope = NewDisposeScope();
        Guard.AllFinite(x, name);
        var unit = range == PixelRange.MinusOneToOne ? (x.to(ScalarType.Float32) + 1f) * 0.5f : x.to(ScalarType.Float32);
        var bytes = unit.clamp(0f, 1f).mul(255f).add_(0.5f).floor_().to(ScalarType.Byte).cpu().contiguous();
        return bytes.data<byte>().ToArray();
    }
}
