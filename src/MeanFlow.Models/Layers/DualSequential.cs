using System;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable layers applied in order, like <c>nn.Sequential</c>: the children are registered as
/// "0", "1", … so that state-dict keys match PyTorch's (a DiT TimestepEmbedder's <c>mlp.0.weight</c>).
/// </summary>
public sealed class DualSequential : nn.Module<Dual, Dual>
{
    private readonly nn.Module<Dual, Dual>[] _layers;

    /// <summary>Creates the sequence.</summary>
    /// <param name="layers">The layers, at least one.</param>
    /// <exception cref="ArgumentException"><paramref name="layers"/> is empty or contains null.</exception>
    public DualSequential(params nn.Module<Dual, Dual>[] layers) : base(nameof(DualSequential))
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0 || layers.Any(l => l is null))
            throw new ArgumentException("layers must be a non-empty list of layers without null entries.", nameof(layers));
        _layers = layers.ToArray();
        for (var i = 0; i < _layers.Length; i++) register_module(i.ToString(CultureInfo.InvariantCulture), _layers[i]);
    }

    /// <summary>Number of layers.</summary>
    public int Count => _layers.Length;

    /// <summary>The layer at position <paramref name="index"/>.</summary>
    /// <param name="index">0 … <see cref="Count"/> − 1.</param>
    public nn.Module<Dual, Dual> this[int index] => _layers[index];

    /// <summary>Applies the layers in order.</summary>
    /// <param name="x">Input of the first layer.</param>
    /// <returns>Output of the last layer.</returns>
    public override Dual forward(Dual x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        foreach (var layer in _layers) x = layer.call(x);
        return x.MoveToOuter(scope);
    }
}
