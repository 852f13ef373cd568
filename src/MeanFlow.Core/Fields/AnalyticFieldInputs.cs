using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>The input checks the analytic fields share: z of shape (B, D) and batch vectors r and t.</summary>
internal static class AnalyticFieldInputs
{
    internal static void Check(Tensor z, Tensor r, Tensor t, int dimension)
    {
        Guard.Floating(z, nameof(z), minDims: 2);
        if (z.dim() != 2 || z.shape[1] != dimension)
            throw new ArgumentException($"z must have shape [B, {dimension}]; got {Guard.Shape(z)}.", nameof(z));
        Guard.BatchVector(r, z.shape[0], nameof(r));
        Guard.BatchVector(t, z.shape[0], nameof(t));
    }
}
