using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// A <see cref="DualLinear"/> held under the child name <c>_flax_linear</c>, so that its state-dict keys are
/// <c>_flax_linear.weight</c> and <c>_flax_linear.bias</c>: the layout of the checkpoints that the official improved
/// MeanFlow code converts from Flax to PyTorch (its <c>TorchLinear</c> wraps a Dense layer under that name).
/// Computes exactly what the inner layer computes.
/// </summary>
public sealed class FlaxLinear : nn.Module<Dual, Dual>
{
    private readonly DualLinear _flax_linear;

    /// <summary>Creates the layer (initialised like <c>nn.Linear</c>; owners re-initialise it).</summary>
    /// <param name="inFeatures">Input width, ≥ 1.</param>
    /// <param name="outFeatures">Output width, ≥ 1.</param>
    /// <param name="hasBias">Whether to add a bias. The default is <c>true</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A width is not positive.</exception>
    public FlaxLinear(long inFeatures, long outFeatures, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(FlaxLinear))
    {
        _flax_linear = new DualLinear(inFeatures, outFeatures, hasBias, device, dtype);
        register_module("_flax_linear", _flax_linear);
    }

    /// <summary>The inner layer (weight (out, in), bias (out,) or none).</summary>
    public DualLinear Linear => _flax_linear;

    /// <summary>y = x·Wᵀ + b and dy = dx·Wᵀ.</summary>
    /// <param name="x">Input, shape (B, ..., in).</param>
    /// <returns>Output, shape (B, ..., out).</returns>
    public override Dual forward(Dual x) => _flax_linear.call(x);
}
