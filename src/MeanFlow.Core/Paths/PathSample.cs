using System;
using static TorchSharp.torch;

namespace MeanFlow.Paths;

/// <summary>A point on the conditional path and its conditional velocity.</summary>
public sealed class PathSample
{
    /// <summary>Creates the pair.</summary>
    /// <param name="z">z_t, the point of the path at t (a_t·x + b_t·ε on an affine path), shape (B, ...).</param>
    /// <param name="velocity">v_t = dz_t/dt (a'_t·x + b'_t·ε on an affine path), shape (B, ...).</param>
    public PathSample(Tensor z, Tensor velocity)
    {
        Z = z ?? throw new ArgumentNullException(nameof(z));
        Velocity = velocity ?? throw new ArgumentNullException(nameof(velocity));
    }

    /// <summary>z_t, the point of the conditional path at t, shape (B, ...).</summary>
    public Tensor Z { get; }

    /// <summary>The conditional velocity v_t = dz_t/dt, shape (B, ...).</summary>
    public Tensor Velocity { get; }
}
