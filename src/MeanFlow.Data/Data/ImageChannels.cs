using System;
using MeanFlow.Imaging;

namespace MeanFlow.Data;

/// <summary>Converts an interleaved 8-bit image to planar (C, H, W) bytes with 1 or 3 channels, dropping alpha.</summary>
internal static class ImageChannels
{
    internal static void WritePlanes(RasterImage image, int channels, Span<byte> planes)
    {
        int plane = image.Width * image.Height, stride = image.Channels;
        var source = image.Pixels;
        var colour = image.Channels >= 3;
        for (var p = 0; p < plane; p++)
        {
            var at = p * stride;
            if (channels == 1)
            {
                planes[p] = colour
                    ? (byte)((299 * source[at] + 587 * source[at + 1] + 114 * source[at + 2] + 500) / 1000)
                    : source[at];
            }
            else
            {
                for (var c = 0; c < 3; c++)
                    planes[c * plane + p] = colour ? source[at + c] : source[at];
            }
        }
    }
}
