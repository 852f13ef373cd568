using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Internal;

/// <summary>
/// Saved tensors matched by name against a module's own (its parameters and buffers, or an average's copies of
/// them) before anything is copied: the one check of names and shapes behind every loader (state-dict files,
/// training checkpoints, moving averages), so that a file that does not fit changes nothing.
/// </summary>
internal sealed class StateDictMatch
{
    private readonly (string Name, Tensor Tensor)[] _own;
    private readonly Dictionary<string, Tensor> _ownByName;
    private readonly IReadOnlyDictionary<string, Tensor> _saved;

    /// <param name="own">The destination tensors by name, in the module's order.</param>
    /// <param name="saved">The saved tensors by name (any dtype and device: values are converted when copied).</param>
    internal StateDictMatch(IEnumerable<(string Name, Tensor Tensor)> own, IReadOnlyDictionary<string, Tensor> saved)
    {
        _own = own.ToArray();
        _saved = saved;
        _ownByName = _own.ToDictionary(o => o.Name, o => o.Tensor, StringComparer.Ordinal);
        Missing = _own.Where(o => !saved.ContainsKey(o.Name)).Select(o => o.Name).ToArray();
        Unexpected = saved.Keys.Where(k => !_ownByName.ContainsKey(k)).ToArray();
        Mismatched = _own.Where(o => saved.TryGetValue(o.Name, out var s) && !s.shape.SequenceEqual(o.Tensor.shape)).Select(o => o.Name).ToArray();
    }

    /// <summary>Names the destination has and the saved tensors do not, in the destination's order.</summary>
    internal IReadOnlyList<string> Missing { get; }

    /// <summary>Names the saved tensors have and the destination does not.</summary>
    internal IReadOnlyList<string> Unexpected { get; }

    /// <summary>Names both have, with different shapes, in the destination's order.</summary>
    internal IReadOnlyList<string> Mismatched { get; }

    /// <summary>The destination's tensor of a name.</summary>
    internal Tensor Own(string name) => _ownByName[name];

    /// <summary>The saved tensor of a name.</summary>
    internal Tensor Saved(string name) => _saved[name];

    /// <summary>Throws unless the names and shapes agree exactly; the message names the first difference.</summary>
    /// <param name="savedWhat">The saved tensors in the message, e.g. "The saved average".</param>
    /// <param name="ownWhat">The destination in the message, e.g. "this average".</param>
    /// <param name="parameterName">The argument the exception names.</param>
    /// <exception cref="ArgumentException">A name is missing or unknown, or a shape differs.</exception>
    internal void ThrowUnlessExact(string savedWhat, string ownWhat, string parameterName)
    {
        if (Missing.Count > 0)
            throw new ArgumentException($"{savedWhat} has no tensor named '{Missing[0]}'; was it made from another architecture?", parameterName);
        if (Mismatched.Count > 0)
        {
            var name = Mismatched[0];
            throw new ArgumentException(
                $"{savedWhat} has '{name}' of shape {Guard.Shape(Saved(name))} but {ownWhat}'s has {Guard.Shape(Own(name))}.", parameterName);
        }
        if (Unexpected.Count > 0)
            throw new ArgumentException($"{savedWhat} has a tensor '{Unexpected[0]}' that {ownWhat} does not have.", parameterName);
    }

    /// <summary>Copies every saved tensor whose name the destination has into the destination's tensor (converted to
    /// its dtype and device, in place, so references to it stay valid).</summary>
    /// <returns>The names copied, in the destination's order.</returns>
    /// <exception cref="InvalidOperationException">A shape differs (check <see cref="Mismatched"/> first).</exception>
    internal IReadOnlyList<string> CopyShared()
    {
        if (Mismatched.Count > 0)
            throw new InvalidOperationException($"'{Mismatched[0]}' has another shape in the saved tensors; nothing was copied.");
        var copied = _own.Where(o => _saved.ContainsKey(o.Name)).ToArray();
        using (no_grad())
            foreach (var (name, tensor) in copied) tensor.copy_(_saved[name]);
        return copied.Select(o => o.Name).ToArray();
    }
}
