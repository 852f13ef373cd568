using System;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>PyTorch's default initialisation of linear and convolution layers (kaiming-uniform with a = √5):
/// weight and bias uniform in ±1/√fan_in.</summary>
internal static class LayerInit
{
    internal static void Uniform(Tensor weight, Tensor? bias, long fanIn)
    {
        var bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0.0;
        using (no_grad())
        {
            weight.uniform_(-bound, bound);
            bias?.uniform_(-bound, bound);
        }
    }
}
