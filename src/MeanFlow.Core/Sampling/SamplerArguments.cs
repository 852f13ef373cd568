using System;
using MeanFlow.Fields;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>Shared checks and helpers of the samplers.</summary>
internal static class SamplerArguments
{
    internal static void Check(IVelocityField field, Tensor noise, Tensor? labels)
    {
        ArgumentNullException.ThrowIfNull(field);
        Check(noise, labels);
    }

    internal static void Check(Tensor noise, Tensor? labels)
    {
        Guard.Floating(noise, nameof(noise), minDims: 1);
        Guard.AllFinite(noise, nameof(noise));
        Guard.Labels(labels, noise.shape[0], long.MaxValue, nameof(labels));
    }

    /// <summary>A per-row time vector of value <paramref name="time"/>, dtype and device of <paramref name="like"/>.</summary>
    internal static Tensor Times(double time, Tensor like) =>
        full(like.shape[0], time, dtype: like.dtype, device: like.device);
}
