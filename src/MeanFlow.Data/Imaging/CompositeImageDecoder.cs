using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace MeanFlow.Imaging;

/// <summary>
/// Chooses a decoder by the file extension of the source name. <see cref="Default"/> reads PNG and binary
/// PGM/PPM; <see cref="With"/> adds (or overrides) formats, e.g. a SkiaSharp decoder for ".jpg".
/// </summary>
public sealed class CompositeImageDecoder : IImageDecoder
{
    private readonly Dictionary<string, IImageDecoder> _byExtension;

    /// <summary>Combines decoders; for an extension claimed twice, the later decoder wins.</summary>
    /// <param name="decoders">The decoders, at least one.</param>
    /// <exception cref="ArgumentException">No decoders, or a null one.</exception>
    public CompositeImageDecoder(params IImageDecoder[] decoders)
    {
        ArgumentNullException.ThrowIfNull(decoders);
        if (decoders.Length == 0) throw new ArgumentException("decoders must contain at least one decoder.", nameof(decoders));
        _byExtension = new Dictionary<string, IImageDecoder>(StringComparer.OrdinalIgnoreCase);
        foreach (var decoder in decoders)
        {
            if (decoder is null) throw new ArgumentException("decoders must not contain null.", nameof(decoders));
            foreach (var extension in decoder.FileExtensions) _byExtension[extension] = decoder;
        }
    }

    /// <summary>PNG (<see cref="PngDecoder"/>) and binary PGM/PPM (<see cref="NetpbmDecoder"/>).</summary>
    public static CompositeImageDecoder Default { get; } = new(new PngDecoder(), new NetpbmDecoder());

    /// <inheritdoc />
    public IReadOnlyCollection<string> FileExtensions => _byExtension.Keys;

    /// <summary>A new composite with <paramref name="decoder"/> added; it wins for the extensions it claims.</summary>
    /// <param name="decoder">The decoder to add.</param>
    /// <returns>The combined decoder (this instance is unchanged).</returns>
    public CompositeImageDecoder With(IImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        return new CompositeImageDecoder(_byExtension.Values.Distinct().Append(decoder).ToArray());
    }

    /// <summary>Whether a decoder is registered for the file's extension.</summary>
    /// <param name="path">A file name or path.</param>
    /// <returns>True if <see cref="Decode"/> would dispatch it.</returns>
    public bool CanDecode(string path) => _byExtension.ContainsKey(Path.GetExtension(path ?? string.Empty));

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">No decoder handles the extension of <paramref name="sourceName"/>.</exception>
    public RasterImage Decode(ReadOnlySpan<byte> data, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        var extension = Path.GetExtension(sourceName);
        if (!_byExtension.TryGetValue(extension, out var decoder))
            throw new NotSupportedException(
                $"No image decoder is registered for '{sourceName}' (extension '{extension}'); known: {string.Join(", ", _byExtension.Keys.Order())}.");
        return decoder.Decode(data, sourceName);
    }
}
