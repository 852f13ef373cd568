using System.Collections.Generic;

namespace MeanFlow.Models.Checkpoints;

/// <summary>What <see cref="StateDictFile.Load"/> did: the format it read, the keys it copied into the module, and
/// (when not strict) the keys it skipped.</summary>
public sealed class StateDictLoadResult
{
    internal StateDictLoadResult(StateDictFormat format, IReadOnlyList<string> loaded,
        IReadOnlyList<StateDictEntry> missing, IReadOnlyList<StateDictEntry> unexpected)
    {
        Format = format;
        LoadedKeys = loaded;
        MissingKeys = missing;
        UnexpectedKeys = unexpected;
    }

    /// <summary>The format of the file.</summary>
    public StateDictFormat Format { get; }

    /// <summary>The module's keys that received a value from the file.</summary>
    public IReadOnlyList<string> LoadedKeys { get; }

    /// <summary>The module's keys (with their shapes) that the file lacks; empty after a strict load.</summary>
    public IReadOnlyList<StateDictEntry> MissingKeys { get; }

    /// <summary>The file's keys (with their shapes) that the module lacks; empty after a strict load.</summary>
    public IReadOnlyList<StateDictEntry> UnexpectedKeys { get; }
}
