using System;
using static TorchSharp.torch;

namespace MeanFlow;

/// <summary>Helpers for per-row quantities (times, weights) that multiply batch-first tensors.</summary>
public static class TensorRows
{
    /// <summary>Reshapes a per-row vector (B,) to (B, 1, …, 1) so it broadcasts against <paramref name="like"/>.</summary>
    /// <param name="perRow">Shape (B,).</param>
    /// <param name="like">Shape (B, ...).</param>
    /// <returns>A view of shape (B, 1, …, 1) with as many dimensions as <paramref name="like"/>.</returns>
    public static Tensor Broadcast(Tensor perRow, Tensor like)
    {
        ArgumentNullException.ThrowIfNull(perRow);
        ArgumentNullException.ThrowIfNull(like);
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = perRow.shape[0];
        return perRow.reshape(shape);
    }

    /// <summary>The squared Euclidean norm of each row, summed over every non-batch dimension.</summary>
    /// <param name="x">Shape (B, ...).</param>
    /// <returns>Shape (B,).</returns>
    public static Tensor SquaredNorm(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.dim() == 1 ? x.square() : x.square().flatten(1).sum(1);
    }
}
