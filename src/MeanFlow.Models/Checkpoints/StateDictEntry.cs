using System;
using System.Collections.Generic;
using System.Linq;

namespace MeanFlow.Models.Checkpoints;

/// <summary>A state-dict key and a tensor shape, as reported by a comparison of a file with a module.</summary>
public sealed class StateDictEntry
{
    /// <summary>Creates the entry.</summary>
    /// <param name="key">The key, e.g. <c>blocks.0.attn.qkv.weight</c>.</param>
    /// <param name="shape">The shape.</param>
    public StateDictEntry(string key, IReadOnlyList<long> shape)
    {
        Key = key ?? throw new ArgumentNullException(nameof(key));
        Shape = (shape ?? throw new ArgumentNullException(nameof(shape))).ToArray();
    }

    /// <summary>The key.</summary>
    public string Key { get; }

    /// <summary>The shape.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Key} {StateDictShapes.Format(Shape)}";
}

/// <summary>A key present in both the file and the module with different shapes.</summary>
public sealed class StateDictShapeMismatch
{
    /// <summary>Creates the record.</summary>
    /// <param name="key">The key.</param>
    /// <param name="expected">The module's shape.</param>
    /// <param name="found">The file's shape.</param>
    public StateDictShapeMismatch(string key, IReadOnlyList<long> expected, IReadOnlyList<long> found)
    {
        Key = key ?? throw new ArgumentNullException(nameof(key));
        Expected = (expected ?? throw new ArgumentNullException(nameof(expected))).ToArray();
        Found = (found ?? throw new ArgumentNullException(nameof(found))).ToArray();
    }

    /// <summary>The key.</summary>
    public string Key { get; }

    /// <summary>The shape the module expects.</summary>
    public IReadOnlyList<long> Expected { get; }

    /// <summary>The shape found in the file.</summary>
    public IReadOnlyList<long> Found { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Key}: module expects {StateDictShapes.Format(Expected)}, file has {StateDictShapes.Format(Found)}";
}

internal static class StateDictShapes
{
    internal static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
