using System;
using System.IO;

namespace MeanFlow.Internal;

/// <summary>
/// Writes a file under a temporary name in the destination folder and renames it into place, so a reader
/// never sees a half-written file and a crash leaves the previous version intact.
/// </summary>
internal static class AtomicFile
{
    internal static void Write(string path, ReadOnlySpan<byte> contents)
    {
        var bytes = contents.ToArray();   // a span cannot be captured by the writer below
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes the file through <paramref name="write"/>, which receives a buffered stream on the temporary
    /// file (for contents too large to hold in memory, e.g. a state dict).</summary>
    internal static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)
            ?? throw new ArgumentException($"path '{path}' has no parent folder.", nameof(path));
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
