using System;
using System.IO;

namespace MeanFlow.Internal;

/// <summary>
/// Writes a file under a temporary name in the destination folder, flushes it to disk and renames it into
/// place, so a reader never sees a half-written file and a crash leaves the previous version intact. A failed
/// write removes its temporary file.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> atomically.</summary>
    internal static void Write(string path, ReadOnlySpan<byte> contents)
    {
        var bytes = contents.ToArray();
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Writes to <paramref name="path"/> atomically what <paramref name="write"/> writes to the stream it is
    /// given (a new file opened for writing; <paramref name="write"/> must not dispose it).</summary>
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
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            // Best effort: the original exception matters more than a temporary file that cannot be removed.
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
