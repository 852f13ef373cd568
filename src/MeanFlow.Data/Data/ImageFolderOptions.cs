using MeanFlow.Imaging;

namespace MeanFlow.Data;

/// <summary>Options for <see cref="ImageFolder.Load"/>.</summary>
public sealed class ImageFolderOptions
{
    /// <summary>Decodes the files; only files with one of its extensions are read, others are ignored.</summary>
    /// <value>The default is <see cref="CompositeImageDecoder.Default"/> (PNG, PGM, PPM).</value>
    public IImageDecoder Decoder { get; init; } = CompositeImageDecoder.Default;

    /// <summary>How the number of channels is chosen.</summary>
    /// <value>The default is <see cref="ImageColorMode.Auto"/>.</value>
    public ImageColorMode ColorMode { get; init; } = ImageColorMode.Auto;
}
