using System;
using System.IO;
using System.Text;

namespace MeanFlow.Samples;

/// <summary>Writes files through a temporary name and a rename, so a crash never leaves a half-written file.</summary>
internal static class AtomicFile
{
    internal static void WriteAllText(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Lets <paramref name="write"/> produce a file at a temporary path, then renames it into place.</summary>
    internal static void Write(string path, Action<string> write)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "." + Path.GetFileName(path) + ".tmp" + Path.GetExtension(path));
        write(temporary);
        File.Move(temporary, path, overwrite: true);
    }
}
