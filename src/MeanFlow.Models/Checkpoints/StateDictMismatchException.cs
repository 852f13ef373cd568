using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace MeanFlow.Models.Checkpoints;

/// <summary>
/// A state-dict file does not fit a module: keys the module expects but the file lacks (missing), keys the file
/// has but the module does not (unexpected), and keys with different shapes (mis-shaped). The message lists each
/// with its shape(s); the properties hold the complete lists. Nothing was copied into the module. An
/// <see cref="IOException"/>, as is the <see cref="InvalidDataException"/> of an unreadable file.
/// </summary>
public sealed class StateDictMismatchException : IOException
{
    private const int ListedPerKind = 40;

    /// <summary>Creates the exception and its message.</summary>
    /// <param name="path">The file.</param>
    /// <param name="moduleName">The module's type name.</param>
    /// <param name="missing">Keys of the module absent from the file, with the module's shapes.</param>
    /// <param name="unexpected">Keys of the file absent from the module, with the file's shapes.</param>
    /// <param name="mismatched">Keys of both with different shapes.</param>
    public StateDictMismatchException(string path, string moduleName, IReadOnlyList<StateDictEntry> missing,
        IReadOnlyList<StateDictEntry> unexpected, IReadOnlyList<StateDictShapeMismatch> mismatched)
        : base(Describe(path, moduleName, missing, unexpected, mismatched))
    {
        Path = path;
        MissingKeys = missing;
        UnexpectedKeys = unexpected;
        MismatchedKeys = mismatched;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Keys the module expects but the file lacks (with the module's shapes).</summary>
    public IReadOnlyList<StateDictEntry> MissingKeys { get; }

    /// <summary>Keys the file has but the module does not (with the file's shapes).</summary>
    public IReadOnlyList<StateDictEntry> UnexpectedKeys { get; }

    /// <summary>Keys present in both with different shapes.</summary>
    public IReadOnlyList<StateDictShapeMismatch> MismatchedKeys { get; }

    private static string Describe(string path, string moduleName, IReadOnlyList<StateDictEntry> missing,
        IReadOnlyList<StateDictEntry> unexpected, IReadOnlyList<StateDictShapeMismatch> mismatched)
    {
        var text = new StringBuilder();
        text.Append($"The state dict in '{path}' does not fit {moduleName}: {missing.Count} missing, ")
            .Append($"{unexpected.Count} unexpected, {mismatched.Count} mis-shaped key(s). Nothing was loaded.");
        List("Missing from the file (the module expects them):", missing.Select(e => e.ToString()).ToList(), text);
        List("Unexpected in the file (the module has no such key):", unexpected.Select(e => e.ToString()).ToList(), text);
        List("Mis-shaped:", mismatched.Select(e => e.ToString()).ToList(), text);
        return text.ToString();
    }

    private static void List(string title, IReadOnlyList<string> lines, StringBuilder text)
    {
        if (lines.Count == 0) return;
        text.AppendLine().Append(title);
        foreach (var line in lines.Take(ListedPerKind)) text.AppendLine().Append("  ").Append(line);
        if (lines.Count > ListedPerKind) text.AppendLine().Append($"  … and {lines.Count - ListedPerKind} more");
    }
}
