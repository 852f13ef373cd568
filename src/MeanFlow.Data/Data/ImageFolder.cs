using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MeanFlow.Imaging;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>
/// Reads a folder of equally sized images (PNG, JPEG, WebP, GIF, BMP, ICO, WBMP; see <see cref="ImageFile"/>). If the
/// folder has subfolders, each subfolder is a class (labels in ordinal order of the folder names, which become the
/// class names) and images directly in the root are an error; otherwise the images in the root form an unlabelled
/// dataset. Files are read in ordinal name order; names starting with '.' and other extensions are ignored. Images
/// are not resized.
/// </summary>
public static class ImageFolder
{
    /// <summary>Reads the images.</summary>
    /// <param name="folder">The root folder.</param>
    /// <param name="colorMode">The channels of the result. The default, <see cref="ImageColorMode.Auto"/>, gives 1 channel if every image is grey, otherwise 3; alpha is dropped.</param>
    /// <returns>Images float32 (N, C, H, W) in [0, 1] (byte / 255); labels int64 (N,) or null; on the CPU.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No images, an empty class folder, mixed layout, images of different sizes, or a corrupt file (the message names it).</exception>
    public static TensorDataset Load(string folder, ImageColorMode colorMode = ImageColorMode.Auto)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The image folder '{Path.GetFullPath(folder)}' does not exist.");
        var described = string.Join(", ", ImageFile.Extensions.Order(StringComparer.Ordinal));

        var classFolders = Visible(Directory.GetDirectories(folder));
        var rootImages = Images(folder);
        var files = new List<(string Path, int Label)>();
        if (classFolders.Length > 0)
        {
            if (rootImages.Length > 0)
                throw new InvalidDataException(
                    $"'{folder}' has class subfolders and also images in the root (e.g. '{Path.GetFileName(rootImages[0])}'); move them into a class folder.");
            for (var label = 0; label < classFolders.Length; label++)
            {
                var images = Images(classFolders[label]);
                if (images.Length == 0)
                    throw new InvalidDataException($"The class folder '{classFolders[label]}' holds no images ({described}).");
                files.AddRange(images.Select(path => (path, label)));
            }
        }
        else
        {
            if (rootImages.Length == 0) throw new InvalidDataException($"'{folder}' holds no images ({described}) and no class subfolders.");
            files.AddRange(rootImages.Select(path => (path, -1)));
        }

        using var scope = NewDisposeScope();
        var decoded = files.Select(f => ImageFile.ReadPixels(f.Path)).ToArray(); // uint8 (C, H, W), C = 1 or 3
        long height = decoded[0].shape[1], width = decoded[0].shape[2];
        for (var i = 1; i < decoded.Length; i++)
            if (decoded[i].shape[1] != height || decoded[i].shape[2] != width)
                throw new InvalidDataException(
                    $"'{files[i].Path}' is {decoded[i].shape[2]}×{decoded[i].shape[1]} pixels but '{files[0].Path}' is {width}×{height}; ImageFolder does not resize, so resize them first.");

        var channels = colorMode switch
        {
            ImageColorMode.Grey => 1,
            ImageColorMode.Rgb => 3,
            ImageColorMode.Auto => decoded.All(image => image.shape[0] == 1) ? 1 : 3,
            _ => throw new ArgumentOutOfRangeException(nameof(colorMode), colorMode, $"colorMode must be Auto, Grey or Rgb; got {colorMode}."),
        };
        var data = ImageTensors.Dequantize(stack(decoded.Select(image => ImageChannels.Convert(image, channels))));
        if (classFolders.Length == 0) return new TensorDataset(data);
        var labels = tensor(files.Select(f => (long)f.Label).ToArray());
        return new TensorDataset(data, labels, classFolders.Length, classFolders.Select(Path.GetFileName).ToArray()!);
    }

    private static string[] Visible(IEnumerable<string> paths) =>
        paths.Where(p => !Path.GetFileName(p).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();

    private static string[] Images(string folder) =>
        Visible(Directory.GetFiles(folder).Where(p => ImageFile.Extensions.Contains(Path.GetExtension(p))));
}
