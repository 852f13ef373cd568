using System;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// One-dimensional rotary position embedding (RoPE, Su et al. 2021) over adjacent pairs, as the official improved
/// MeanFlow DiT applies it: each pair (x[2k], x[2k+1]) of a head's E features at position n is rotated by the angle
/// n·θ_k, θ_k = base^(−2k/E), k &lt; E/2:
/// (x[2k], x[2k+1]) ↦ (x[2k]·cos − x[2k+1]·sin, x[2k]·sin + x[2k+1]·cos).
/// The tables are constants, so the map is linear in x and the tangent is rotated the same way.
/// </summary>
/// <remarks>The tables are plain tensors held by this object (not module buffers, so they never enter a state dict);
/// build one per forward pass for the sequence length at hand, or keep one per length and dtype.</remarks>
public sealed class RotaryEmbedding : IDisposable
{
    private RotaryEmbedding(Tensor cos, Tensor sin)
    {
        Cos = cos;
        Sin = sin;
    }

    /// <summary>The tables for <paramref name="length"/> positions and heads of width <paramref name="headDimension"/>.</summary>
    /// <param name="headDimension">E, the width of a head: even and ≥ 2.</param>
    /// <param name="length">N, the number of positions (0 … N − 1), ≥ 1.</param>
    /// <param name="dtype">Floating dtype of the tables (the activations' dtype).</param>
    /// <param name="device">Their device. The default is the CPU.</param>
    /// <param name="theta">The base of the frequencies, finite and &gt; 1. The default is 10000.</param>
    /// <returns>The tables, each (N, E/2).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static RotaryEmbedding Create(long headDimension, long length, ScalarType dtype, Device? device = null, double theta = 10000.0)
    {
        if (headDimension < 2 || headDimension % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(headDimension), headDimension, $"headDimension must be even and ≥ 2; got {headDimension}.");
        Guard.Positive(length, nameof(length));
        if (!(theta > 1) || !double.IsFinite(theta))
            throw new ArgumentOutOfRangeException(nameof(theta), theta, $"theta must be finite and > 1; got {Guard.Format(theta)}.");
        if (dtype is not (ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"dtype must be a floating dtype; got {dtype}.", nameof(dtype));
        using var scope = NewDisposeScope();
        // θ_k = base^(−2k/E) and the angles n·θ_k in float64, rounded once to the requested dtype.
        var frequencies = arange(0, headDimension, 2, dtype: ScalarType.Float64).div_(headDimension).mul_(-Math.Log(theta)).exp_();
        var angles = arange(length, dtype: ScalarType.Float64).unsqueeze(1) * frequencies.unsqueeze(0);   // (N, E/2)
        var cos = angles.cos().to(dtype, device ?? CPU).MoveToOuterDisposeScope();
        var sin = angles.sin().to(dtype, device ?? CPU).MoveToOuterDisposeScope();
        return new RotaryEmbedding(cos, sin);
    }

    /// <summary>cos(n·θ_k), shape (N, E/2).</summary>
    public Tensor Cos { get; }

    /// <summary>sin(n·θ_k), shape (N, E/2).</summary>
    public Tensor Sin { get; }

    /// <summary>N, the number of positions.</summary>
    public long Length => Cos.shape[0];

    /// <summary>E, the head width.</summary>
    public long HeadDimension => 2 * Cos.shape[1];

    /// <summary>Rotates the pairs of the last dimension by their position along the second-to-last.</summary>
    /// <param name="x">Queries or keys, shape (B, ..., N, E), with the tables' dtype and device.</param>
    /// <returns>Shape of <paramref name="x"/>, tangent rotated alike.</returns>
    /// <exception cref="ArgumentException">The last two dimensions of <paramref name="x"/> are not (N, E).</exception>
    public Dual Apply(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, ..., {Length}, {HeadDimension}]", dims: 3, atLeast: true, dim: -1, size: HeadDimension);
        if (x.Primal.shape[^2] != Length)
            throw new ArgumentException($"x must have shape [B, ..., {Length}, {HeadDimension}]; got {Guard.Shape(x.Primal)}.", nameof(x));
        return x.MapLinear(Rotate);
    }

    private Tensor Rotate(Tensor x)
    {
        using var scope = NewDisposeScope();
        var pairs = x.unflatten(x.dim() - 1, new long[] { HeadDimension / 2, 2 });        // (..., N, E/2, 2)
        var even = pairs.select(-1, 0);
        var odd = pairs.select(-1, 1);
        return stack(new[] { even * Cos - odd * Sin, even * Sin + odd * Cos }, -1)
            .flatten(-2).MoveToOuterDisposeScope();                                 // (..., N, E)
    }

    /// <summary>Disposes the tables.</summary>
    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
    }
}
