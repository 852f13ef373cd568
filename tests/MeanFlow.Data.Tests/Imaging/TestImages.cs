using System.IO;
using MeanFlow.Imaging;
using SkiaSharp;

namespace MeanFlow.Tests.Imaging;

/// <summary>Writes small image files for the tests and reads pixels back as interleaved bytes.</summary>
internal static class TestImages
{
    /// <summary>A <paramref name="width"/>×<paramref name="height"/> PNG of one colour (1, 3 or 4 byte samples).</summary>
    internal static void SolidPng(string path, int width, int height, params byte[] colour)
    {
        using var scope = NewDisposeScope();
        var planes = tensor(colour).view(colour.Length, 1, 1).expand(colour.Length, height, width);
        ImageFile.WritePng(ImageTensors.Dequantize(planes.contiguous()), path);
    }

    /// <summary>A JPEG written by SkiaSharp (quality 100) from interleaved 8-bit grey or RGBA pixels.</summary>
    internal static void Jpeg(string path, int width, int height, byte[] pixels, bool grey)
    {
        var info = new SKImageInfo(width, height, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, pixels, info.RowBytes);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>The file's pixels as stored, interleaved (row-major, channel last).</summary>
    internal static byte[] Interleaved(string path, out int channels)
    {
        using var scope = NewDisposeScope();
        var pixels = ImageFile.ReadPixels(path);
        channels = (int)pixels.shape[0];
        return pixels.permute(1, 2, 0).contiguous().data<byte>().ToArray();
    }

    /// <summary>Writes <paramref name="bytes"/> to a file in <paramref name="folder"/> and returns its interleaved pixels.</summary>
    internal static byte[] Decode(TempFolder folder, byte[] bytes, string name, out int channels)
    {
        var path = folder.File(name);
        File.WriteAllBytes(path, bytes);
        return Interleaved(path, out channels);
    }

    /// <summary>Interleaves the samples of several planes given pixel by pixel (e.g. grey and alpha).</summary>
    internal static byte[] Zip(params byte[][] planes) =>
        Enumerable.Range(0, planes[0].Length).SelectMany(i => planes.Select(p => p[i])).ToArray();
}
