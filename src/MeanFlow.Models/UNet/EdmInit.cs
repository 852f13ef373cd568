using System;
using System.Linq;
using MeanFlow.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.UNet;

/// <summary>
/// EDM's <c>weight_init</c> for the U-Net: weights xavier-uniform, U(−b, b)·gain with b = √(6 / (fan_in + fan_out)),
/// fan_in = in·k², fan_out = out·k²; biases zero (EDM's <c>init_bias = 0</c>); GroupNorm weight 1, bias 0.
/// </summary>
internal static class EdmInit
{
    /// <summary>EDM's <c>init</c>: xavier-uniform with gain 1.</summary>
    internal const double Standard = 1.0;

    /// <summary>EDM's <c>init_zero</c> for SongUNet: xavier-uniform with gain 1e-5 (almost, not exactly, zero).</summary>
    internal const double NearZero = 1e-5;

    /// <summary>EDM's <c>init_attn</c>: xavier-uniform with gain √0.2, for the attention's qkv convolution.</summary>
    internal static readonly double Attention = Math.Sqrt(0.2);

    /// <summary>Fills <paramref name="weight"/> with U(−b, b)·gain, b = √(6 / (fanIn + fanOut)), and zeroes
    /// <paramref name="bias"/>. Gain 0 gives exact zeros without drawing.</summary>
    internal static void XavierUniform(Tensor weight, Tensor? bias, long fanIn, long fanOut, double gain, Generator? generator)
    {
        using (no_grad())
        {
            if (gain == 0) weight.zero_();
            else
            {
                var bound = Math.Sqrt(6.0 / (fanIn + fanOut)) * gain;
                weight.uniform_(-bound, bound, generator);
            }
            bias?.zero_();
        }
    }

    internal static void Linear(DualLinear layer, double gain, Generator? generator) =>
        XavierUniform(layer.Weight, layer.Bias, layer.InFeatures, layer.OutFeatures, gain, generator);

    /// <summary>GroupNorm: weight 1, bias 0.</summary>
    internal static void GroupNorm(DualGroupNorm norm)
    {
        using (no_grad())
        {
            foreach (var (name, p) in norm.named_parameters())
                p.fill_(name == "weight" ? 1.0 : 0.0);
        }
    }

    /// <summary>EDM's GroupNorm group count: min(32, C / 4) (at least 4 channels per group).</summary>
    internal static long Groups(long channels) => Math.Min(32, channels / 4);

    /// <summary>A GroupNorm as EDM's, with the group count of <see cref="Groups"/>.</summary>
    internal static DualGroupNorm CreateGroupNorm(long channels, double eps, Device? device, ScalarType? dtype) =>
        new(Groups(channels), channels, eps, affine: true, device, dtype);

    /// <summary>Whether EDM's group rule works for <paramref name="channels"/>: at least one group, and the
    /// group count divides the channels.</summary>
    internal static bool GroupNormFits(long channels) => Groups(channels) >= 1 && channels % Groups(channels) == 0;

    internal static string Join<T>(System.Collections.Generic.IEnumerable<T> values) => "[" + string.Join(", ", values.Select(v => v!.ToString())) + "]";
}
