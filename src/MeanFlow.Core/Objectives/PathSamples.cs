using System;
using MeanFlow.Internal;
using MeanFlow.Paths;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>Checks shared by the objectives on what a (possibly user-written) path returns.</summary>
internal static class PathSamples
{
    /// <summary>A user's path must return z_t and v_t shaped like the data (a shape check: no host synchronisation).</summary>
    internal static void Check(IProbabilityPath path, PathSample sample, Tensor x)
    {
        if (sample is null)
            throw new InvalidOperationException($"{path.GetType().Name}.Sample returned null.");
        if (!sample.Z.shape.AsSpan().SequenceEqual(x.shape) || !sample.Velocity.shape.AsSpan().SequenceEqual(x.shape))
            throw new InvalidOperationException(
                $"{path.GetType().Name}.Sample must return z_t and v_t of the data's shape {Guard.Shape(x)}; got {Guard.Shape(sample.Z)} and {Guard.Shape(sample.Velocity)}.");
    }
}
