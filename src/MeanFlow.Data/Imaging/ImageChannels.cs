using System;
using static TorchSharp.torch;

namespace MeanFlow.Imaging;

/// <summary>Converts (C, H, W) uint8 pixels with C = 1 (grey) or 3 (RGB) to the channels a colour mode asks for.</summary>
internal static class ImageChannels
{
    internal static Tensor Convert(Tensor pixels, ImageColorMode mode) => mode switch
    {
        ImageColorMode.Auto => pixels,
        ImageColorMode.Grey => Convert(pixels, channels: 1),
        ImageColorMode.Rgb => Convert(pixels, channels: 3),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, $"mode must be Auto, Grey or Rgb; got {mode}."),
    };

    internal static Tensor Convert(Tensor pixels, int channels)
    {
        if (pixels.shape[0] == channels) return pixels;
        if (channels == 3) return pixels.expand(3, -1, -1).contiguous();
        using var scope = NewDisposeScope();
        // ITU-R BT.601 luma in integers: (299·R + 587·G + 114·B + 500) / 1000, rounded half up.
        var weights = tensor(new[] { 299, 587, 114 }, device: pixels.device).view(3, 1, 1);
        var luma = (pixels.to(ScalarType.Int32) * weights).sum(0, keepdim: true).add_(500).div_(1000, RoundingMode.floor);
        return luma.to(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
