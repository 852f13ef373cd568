using System;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>Plain-tensor use of the tangent-capable layers.</summary>
public static class DualModuleExtensions
{
    /// <summary>The plain forward pass: runs <paramref name="module"/> on <paramref name="input"/> without a
    /// tangent and returns the primal. This is the same code path as with a tangent, so training a model built
    /// from these layers needs no second copy of it.</summary>
    /// <param name="module">A tangent-capable layer.</param>
    /// <param name="input">Its input, shape (B, ...).</param>
    /// <returns>The output, shape (B, ...), with autograd graph.</returns>
    public static Tensor call(this nn.Module<Dual, Dual> module, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);
        return module.call(new Dual(input)).Primal;
    }
}
