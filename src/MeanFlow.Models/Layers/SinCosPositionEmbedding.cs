using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// The fixed 2-D sine-cosine position embedding of DiT / MAE (<c>get_2d_sincos_pos_embed</c>): for the token at
/// row i, column j of an h×w grid (index i·w + j), the first D/2 entries embed the column j and the last D/2
/// the row i, each as [sin(pos·ω_k), cos(pos·ω_k)], ω_k = 10000^(−k/(D/4)), k &lt; D/4. A constant: add it to
/// a <see cref="Dual"/> and the tangent is unchanged.
/// </summary>
public static class SinCosPositionEmbedding
{
    /// <summary>Builds the table, computed in float64 and converted.</summary>
    /// <param name="dimension">D, divisible by 4.</param>
    /// <param name="gridHeight">h, ≥ 1.</param>
    /// <param name="gridWidth">w, ≥ 1.</param>
    /// <param name="dtype">Dtype of the result. The default is float32.</param>
    /// <param name="device">Device of the result. The default is the CPU.</param>
    /// <returns>Shape (h·w, D).</returns>
    /// <exception cref="ArgumentOutOfRangeException">D is not a positive multiple of 4 or a grid size is not positive.</exception>
    public static Tensor Create2D(long dimension, long gridHeight, long gridWidth, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (dimension < 4 || dimension % 4 != 0)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"dimension must be a positive multiple of 4; got {dimension}.");
        Guard.Positive(gridHeight, nameof(gridHeight));
        Guard.Positive(gridWidth, nameof(gridWidth));
        using var scope = NewDisposeScope();
        var quarter = dimension / 4;
        var omega = arange(quarter, dtype: ScalarType.Float64).div_(quarter).mul_(-Math.Log(10000.0)).exp_();
        var rows = arange(gridHeight, dtype: ScalarType.Float64).repeat_interleave(gridWidth);   // i of token i·w + j
        var columns = arange(gridWidth, dtype: ScalarType.Float64).repeat(gridHeight);           // j of token i·w + j
        var table = cat(new[] { OneDimensional(columns, omega), OneDimensional(rows, omega) }, 1);
        return table.to(dtype, device ?? CPU).MoveToOuterDisposeScope();
    }

    private static Tensor OneDimensional(Tensor positions, Tensor omega)
    {
        var angles = positions.unsqueeze(1) * omega;    // (M, D/4)
        return cat(new[] { angles.sin(), angles.cos() }, 1);
    }
}
