namespace MeanFlow.Tests.Imaging;

/// <summary>
/// PNG files written by an independent encoder (netpbm's pnmtopng, which uses libpng), with the Netpbm
/// sources they were made from. Generated once with netpbm 11 on Debian 12; the tests need no tool.
/// </summary>
internal static class ForeignPngFixtures
{
    /// <summary>netpbm 11 pnmtopng (libpng): rgb.ppm, stored as a 4-bit palette.</summary>
    internal static readonly byte[] RgbPalette4Bit = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADBAMAAACpGNjLAAAALVBMVEU0fwYkR+PufxpdZMTwfsICa26YC7hu0I+Ctw5dx1FQOb5AQwDUVEpUVZSgZWjLnIoPAAAAFElEQVQImWNoWsLAUCkdwHDP7AAAFVED3xKCTGEAAAAASUVORK5CYII=");

    /// <summary>pnmtopng: pal.ppm (4 colours), stored as a 2-bit palette.</summary>
    internal static readonly byte[] Palette2Bit = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADAgMAAAAmWC1rAAAADFBMVEXIZDL///8A/wAKFB4BKsY2AAAAEUlEQVQImWPYdYBhVwNDogMAEb0DVn3Qng0AAAAASUVORK5CYII=");

    /// <summary>pnmtopng: g16.pgm, 16-bit grey.</summary>
    internal static readonly byte[] Grey16 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADEAAAAAAuzUZnAAAAKklEQVQImWOI0pHVb9bi3rpdlvHcf2vHswZPeVjNGFmWPjY2EHHdyvEXALZTC4oSSUuaAAAAAElFTkSuQmCC");

    /// <summary>pnmtopng: a 10×2 PBM, 1-bit grey.</summary>
    internal static readonly byte[] Grey1Bit = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAoAAAACAQAAAABJGnB9AAAADklEQVQImWOIamD4wAAABagByzJKrQoAAAAASUVORK5CYII=");

    /// <summary>pnmtopng -force: pal.ppm as 8-bit RGB.</summary>
    internal static readonly byte[] Rgb8 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADCAIAAADUVFKvAAAALElEQVQImWNg+M/AJSLH8J8BwmBiQALfXj9i+P//P8N/hhMpRv///////z8AE+4Rjzq+TEMAAAAASUVORK5CYII=");

    /// <summary>pnmtopng -force: g8.pgm, 8-bit grey.</summary>
    internal static readonly byte[] Grey8 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADCAAAAAB+XZokAAAAGklEQVQImWO0ccw/wsrkku/N84hp0sfv68QBNTcG5pFB0ZgAAAAASUVORK5CYII=");

    /// <summary>pnmtopng -force -alpha=alpha.pgm: g8.pgm, 8-bit grey + alpha.</summary>
    internal static readonly byte[] GreyAlpha8 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADCAQAAADxPw1zAAAAKklEQVQImWO0eet4Kf/kkX2skkwuYvnvvFN5Hj/yYZok+FH0e+a6feK6APHnDlffZrhvAAAAAElFTkSuQmCC");

    /// <summary>pnmtopng -force -alpha=alpha.pgm: rgb.ppm, 8-bit RGBA.</summary>
    internal static readonly byte[] Rgba8 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADCAYAAABbNsX4AAAASklEQVQImQE/AMD/A4K3Du2tJBNJ2fqxKchiYwK8QKU8AuwZgRZvSDfu1A4lZVDFPuPO7GhMBOaFBRFMEBcVAB3haTunuL6UEZLxY3Ma/LpKvIsAAAAASUVORK5CYII=");

    /// <summary>pnmtopng -alpha=alpha.pgm: rgb.ppm, palette + tRNS.</summary>
    internal static readonly byte[] RgbPaletteWithTransparency = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADBAMAAACpGNjLAAAALVBMVEU0fwYkR+PufxpdZMTwfsICa26YC7hu0I+Ctw5dx1FQOb5AQwDUVEpUVZSgZWjLnIoPAAAAD3RSTlNf7b9WRqvnA+2tiCnYFMLqXRFgAAAAFElEQVQImWNoWsLAUCkdwHDP7AAAFVED3xKCTGEAAAAASUVORK5CYII=");

    /// <summary>pnmtopng -force -interlace: rgb.ppm, Adam7.</summary>
    internal static readonly byte[] Interlaced = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAUAAAADCAIAAAGjU2I5AAAAP0lEQVQImQE0AMv/AIK3DgA0fwYAUDm+AVRVlAkPMHfwhgHufxoC/6gEsuZO+Kb2A27QjyZfCvbkuy4gj+JKbvULFdVAjrsWAAAAAElFTkSuQmCC");

    /// <summary>Source rgb.ppm.</summary>
    internal static readonly byte[] RgbPpm = Convert.FromBase64String("UDYKNSAzCjI1NQqCtw7ufxpQOb7wfsI0fwZu0I9dx1EkR+NAQwACa25UVZSgZWhdZMSYC7jUVEo=");

    /// <summary>Source pal.ppm.</summary>
    internal static readonly byte[] PalettePpm = Convert.FromBase64String("UDYKNSAzCjI1NQoA/wAKFB4A/wAA/wAKFB4A/wAKFB4A/wAA/wAA/wD///8A/wDIZDL///////8=");

    /// <summary>Source g16.pgm.</summary>
    internal static readonly byte[] Grey16Pgm = Convert.FromBase64String("UDUKNSAzCjY1NTM1ClosHS+DKgu1tx3O/wlA1nC7fMCyBKXn2BfsXKFkng==");

    /// <summary>Source g8.pgm.</summary>
    internal static readonly byte[] Grey8Pgm = Convert.FromBase64String("UDUKNSAzCjI1NQo8feywtYDsN7yXEt0uaq4=");
}
