using System;
using System.Collections.Generic;
using System.IO;
using MeanFlow.Internal;
using SkiaSharp;
using static TorchSharp.torch;

namespace MeanFlow.Imaging;

/// <summary>
/// Reads image files into tensors and writes tensors as PNG, through SkiaSharp: PNG (any bit depth, palette,
/// interlaced), JPEG, WebP, GIF (first frame), BMP, ICO and WBMP in; 8-bit PNG out. Quantisation is
/// <see cref="ImageTensors"/>'s.
/// </summary>
/// <remarks>
/// A file that does not decode in full is an <see cref="InvalidDataException"/> that names it: SkiaSharp alone
/// hands back a partly blank image for a truncated file (SKBitmap.Decode reports success), which is why this
/// class checks the codec's result itself. SkiaSharp needs its native library; where it cannot load, the first
/// call throws an <see cref="InvalidOperationException"/> naming the native-assets package the application should add.
/// </remarks>
public static class ImageFile
{
    /// <summary>Decoded bytes every file may declare (64 MiB: 4096×4096 RGBA), whatever its size.</summary>
    private const long MinimumDecodedCap = 64L << 20;

    /// <summary>Decoded bytes per file byte above which a header is taken to be corrupt (see <see cref="ReadPixels"/>).</summary>
    private const long MaxDecodedBytesPerFileByte = 16384;

    /// <summary>The file extensions of the formats SkiaSharp decodes (what <c>ImageFolder</c> reads).</summary>
    internal static IReadOnlySet<string> Extensions { get; } =
        new HashSet<string>(new[] { ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".ico", ".wbmp" }, StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads one image file.</summary>
    /// <param name="path">The file; the format is recognised from its content, not its name.</param>
    /// <param name="colorMode">How many channels the result has. The default, <see cref="ImageColorMode.Auto"/>, keeps grey as 1 channel and reads anything else as RGB.</param>
    /// <returns>float32 (C, H, W) in [0, 1] (byte / 255), C = 1 or 3, alpha dropped, on the CPU.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an image SkiaSharp recognises, is truncated or corrupt, or its
    /// header declares more pixels than its size can encode (over 64 MiB decoded and over 16,384 decoded bytes per file byte).</exception>
    /// <exception cref="NotSupportedException">The image is too large to hold in one .NET array.</exception>
    public static Tensor Read(string path, ImageColorMode colorMode = ImageColorMode.Auto)
    {
        using var scope = NewDisposeScope();
        return ImageTensors.Dequantize(ImageChannels.Convert(ReadPixels(path), colorMode)).MoveToOuterDisposeScope();
    }

    /// <summary>Writes an image as an 8-bit PNG, atomically (temporary file, then rename).</summary>
    /// <param name="image">Shape (C, H, W) with C = 1 (grey), 3 (RGB) or 4 (RGBA, not premultiplied); floating, any device.</param>
    /// <param name="path">The destination; its folder is created if missing and an existing file is replaced.</param>
    /// <param name="range">The tensor's black-to-white range. The default is [0, 1].</param>
    /// <exception cref="ArgumentException">The shape is wrong or a value is NaN or infinite.</exception>
    public static void WritePng(Tensor image, string path, PixelRange range = PixelRange.ZeroToOne)
    {
        Guard.Floating(image, nameof(image));
        if (image.dim() != 3 || image.shape[0] is not (1 or 3 or 4) || image.shape[1] is < 1 or > int.MaxValue || image.shape[2] is < 1 or > int.MaxValue)
            throw new ArgumentException($"image must have shape (C, H, W) with C = 1, 3 or 4 and H, W ≥ 1; got {Guard.Shape(image)}.", nameof(image));
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var scope = NewDisposeScope();
        AtomicFile.Write(path, EncodePng(ImageTensors.Quantize(image, range)));
    }

    /// <summary>The file's pixels as stored: uint8 (C, H, W), C = 1 for grey, 3 otherwise (alpha dropped), on the CPU.</summary>
    internal static Tensor ReadPixels(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The image file '{Path.GetFullPath(path)}' does not exist.", path);
        SkiaLibrary.EnsureLoaded();
        var encoded = File.ReadAllBytes(path);
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"'{path}' is not an image SkiaSharp can read (PNG, JPEG, WebP, GIF, BMP, ICO, WBMP), or its header is corrupt.");
        var grey = codec.Info.ColorType == SKColorType.Gray8;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height,
            grey ? SKColorType.Gray8 : SKColorType.Rgba8888, grey ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        if (info.BytesSize64 > Array.MaxLength)
            throw new NotSupportedException($"'{path}' is {info.Width}×{info.Height} pixels, too large to hold in one .NET array.");
        // The pixels are allocated before decoding, so a corrupt header must not size them freely: no format here
        // encodes more than ~11,000 decoded bytes per file byte (GIF's LZW at best; PNG's DEFLATE ~4,100).
        if (info.BytesSize64 > Math.Max(MinimumDecodedCap, MaxDecodedBytesPerFileByte * encoded.LongLength))
            throw new InvalidDataException(
                $"'{path}' declares {info.Width}×{info.Height} pixels ({info.BytesSize64} bytes decoded), more than its {encoded.Length} bytes can encode: its header is corrupt.");
        var pixels = new byte[info.BytesSize64];
        var result = codec.GetPixels(info, pixels);
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"'{path}' is a {codec.EncodedFormat} file that does not decode in full ({result}): it is truncated or corrupt.");
        using var scope = NewDisposeScope();
        var chw = tensor(pixels, new long[] { info.Height, info.Width, grey ? 1 : 4 }).permute(2, 0, 1);
        return (grey ? chw : chw.narrow(0, 0, 3)).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>An 8-bit PNG of uint8 (C, H, W) pixels, C = 1, 3 or 4: colour type 0 (grey), 2 (RGB) or 6 (RGBA).</summary>
    internal static byte[] EncodePng(Tensor pixels)
    {
        SkiaLibrary.EnsureLoaded();
        int channels = (int)pixels.shape[0], height = (int)pixels.shape[1], width = (int)pixels.shape[2];
        using var scope = NewDisposeScope();
        // Skia has no 3-byte pixel format: RGB goes in as opaque RGBA, which its encoder writes as RGB.
        var planes = channels == 3 ? cat(new[] { pixels, full(1, height, width, (byte)255, ScalarType.Byte, pixels.device) }, 0) : pixels;
        var interleaved = planes.permute(1, 2, 0).contiguous().cpu().data<byte>().ToArray();
        var info = new SKImageInfo(width, height, channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888,
            channels == 4 ? SKAlphaType.Unpremul : SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, interleaved, info.RowBytes)
            ?? throw new InvalidOperationException($"SkiaSharp could not wrap a {width}×{height} image of {channels} channels.");
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode a {width}×{height} image of {channels} channels as PNG.");
        return png.ToArray();
    }
}
