using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// The inverse of <see cref="PatchEmbed"/>'s layout, as DiT's <c>unpatchify</c>: tokens (B, h·w, p·p·C), each
/// holding a p×p×C patch in (row, column, channel) order, become an image (B, C, h·p, w·p). A permutation, so
/// the tangent is mapped the same way.
/// </summary>
public static class Unpatchify
{
    /// <summary>Reassembles the patches of tokens and of their tangent.</summary>
    /// <param name="tokens">Shape (B, h·w, p·p·C).</param>
    /// <param name="channels">C, ≥ 1.</param>
    /// <param name="patchSize">p, ≥ 1.</param>
    /// <param name="gridHeight">h, patches per column, ≥ 1.</param>
    /// <param name="gridWidth">w, patches per row, ≥ 1.</param>
    /// <returns>Images, shape (B, C, h·p, w·p).</returns>
    /// <exception cref="ArgumentException">The shape of <paramref name="tokens"/> does not fit.</exception>
    public static Dual Apply(Dual tokens, long channels, long patchSize, long gridHeight, long gridWidth)
    {
        Guard.Positive(channels, nameof(channels));
        Guard.Positive(patchSize, nameof(patchSize));
        Guard.Positive(gridHeight, nameof(gridHeight));
        Guard.Positive(gridWidth, nameof(gridWidth));
        var width = patchSize * patchSize * channels;
        Dual.CheckInput(tokens, nameof(tokens), $"[B, {gridHeight * gridWidth}, {width}]", dims: 3, dim: -1, size: width);
        if (tokens.Primal.shape[1] != gridHeight * gridWidth)
            throw new ArgumentException($"tokens must have shape [B, {gridHeight * gridWidth}, {width}]; got {Guard.Shape(tokens.Primal)}.", nameof(tokens));
        return tokens.MapLinear(t => t
            .reshape(t.shape[0], gridHeight, gridWidth, patchSize, patchSize, channels)
            .permute(0, 5, 1, 3, 2, 4)                                       // (B, C, h, p, w, p)
            .reshape(t.shape[0], channels, gridHeight * patchSize, gridWidth * patchSize));
    }
}
