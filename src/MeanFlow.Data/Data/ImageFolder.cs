using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MeanFlow.Imaging;
using static TorchSharp.torch;

namespace MeanFlow.Data;

/// <summary>
/// Reads a folder of equally sized images. If the folder has subfolders, each subfolder is a class (labels
/// in ordinal order of the folder names, which become the class names) and images directly in the root are
/// an error; otherwise the images in the root form an unlabelled dataset. Files are read in ordinal name
/// order; names starting with '.' and files the decoder does not claim are ignored. Images are not resized.
/// </summary>
public static class ImageFolder
{
    /// <summary>Reads the images.</summary>
    /// <param name="folder">The root folder.</param>
    /// <param name="options">Decoder and colour handling. The default is <see cref="ImageFolderOptions"/>'s defaults.</param>
    /// <returns>Images float32 (N, C, H, W) in [0, 1] (byte / 255); labels int64 (N,) or null; on the CPU.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No images, an empty class folder, mixed layout, images of different sizes, or a corrupt file.</exception>
    public static TensorDataset Load(string folder, ImageFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        options ??= new ImageFolderOptions();
        var decoder = options.Decoder ?? throw new ArgumentException("options.Decoder must not be null.", nameof(options));
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The image folder '{Path.GetFullPath(folder)}' does not exist.");
        var extensions = new HashSet<string>(decoder.FileExtensions, StringComparer.OrdinalIgnoreCase);
        var described = string.Join(", ", extensions.Order(StringComparer.Ordinal));

        var classFolders = Visible(Directory.GetDirectories(folder));
        var rootImages = Images(folder, extensions);
        var files = new List<(string Path, int Label)>();
        if (classFolders.Length > 0)
        {
            if (rootImages.Length > 0)
                throw new InvalidDataException(
                    $"'{folder}' has class subfolders and also images in the root (e.g. '{Path.GetFileName(rootImages[0])}'); move them into a class folder.");
            for (var label = 0; label < classFolders.Length; label++)
            {
                var images = Images(classFolders[label], extensions);
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

        var decoded = files.Select(f => decoder.Decode(File.ReadAllBytes(f.Path), f.Path)).ToArray();
        var first = decoded[0];
        for (var i = 1; i < decoded.Length; i++)
            if (decoded[i].Width != first.Width || decoded[i].Height != first.Height)
                throw new InvalidDataException(
                    $"'{files[i].Path}' is {decoded[i].Width}×{decoded[i].Height} pixels but '{files[0].Path}' is {first.Width}×{first.Height}; ImageFolder does not resize, so resize them first.");

        var channels = options.ColorMode switch
        {
            ImageColorMode.Grey => 1,
            ImageColorMode.Rgb => 3,
            _ => decoded.All(image => image.Channels <= 2) ? 1 : 3,
        };
        long plane = (long)first.Width * first.Height, size = plane * channels;
        if (size * decoded.Length > Array.MaxLength)
            throw new NotSupportedException($"{decoded.Length} images of {channels}×{first.Height}×{first.Width} do not fit in one .NET array.");
        var pixels = new byte[size * decoded.Length];
        for (var i = 0; i < decoded.Length; i++)
            ImageChannels.WritePlanes(decoded[i], channels, pixels.AsSpan((int)(i * size), (int)size));

        using var scope = NewDisposeScope();
        var data = tensor(pixels, new long[] { decoded.Length, channels, first.Height, first.Width }).to(ScalarType.Float32).div_(255f);
        if (classFolders.Length == 0) return new TensorDataset(data);
        var labels = tensor(files.Select(f => (long)f.Label).ToArray());
        return new TensorDataset(data, labels, classFolders.Length, classFolders.Select(Path.GetFileName).ToArray()!);
    }

    private static string[] Visible(IEnumerable<string> paths) =>
        paths.Where(p => !Path.GetFileName(p).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();

    private static string[] Images(string folder, HashSet<string> extensions) =>
        Visible(Directory.GetFiles(folder).Where(p => extensions.Contains(Path.GetExtension(p))));
}
