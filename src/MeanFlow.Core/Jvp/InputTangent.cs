using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// A tangent (dz, dr, dt) on the inputs (z, r, t) of u(z, r, t), for the leading <see cref="Rows"/> rows of
/// a batch. MeanFlow uses (v, 0, 1): the direction of d/dt along the trajectory.
/// </summary>
public sealed class InputTangent
{
    /// <summary>Creates a tangent and checks that its parts agree in rows, dtype and device.</summary>
    /// <param name="dz">Tangent of z, shape (K, ...).</param>
    /// <param name="dr">Tangent of r, shape (K,).</param>
    /// <param name="dt">Tangent of t, shape (K,).</param>
    /// <exception cref="ArgumentException">The shapes, dtypes or devices disagree.</exception>
    public InputTangent(Tensor dz, Tensor dr, Tensor dt)
    {
        Guard.Floating(dz, nameof(dz), minDims: 1);
        Guard.BatchVector(dr, dz.shape[0], nameof(dr));
        Guard.BatchVector(dt, dz.shape[0], nameof(dt));
        Guard.SameDtype(dz, nameof(dz), dr, nameof(dr));
        Guard.SameDtype(dz, nameof(dz), dt, nameof(dt));
        Guard.SameDevice(dz, nameof(dz), dr, nameof(dr));
        Guard.SameDevice(dz, nameof(dz), dt, nameof(dt));
        Z = dz;
        R = dr;
        T = dt;
    }

    /// <summary>The MeanFlow tangent (v, 0, 1) for velocity <paramref name="velocity"/> of shape (K, ...).</summary>
    /// <param name="velocity">The velocity along which z moves, shape (K, ...).</param>
    /// <returns>The tangent (v, 0, 1).</returns>
    public static InputTangent AlongTrajectory(Tensor velocity)
    {
        Guard.Floating(velocity, nameof(velocity), minDims: 1);
        var k = velocity.shape[0];
        return new InputTangent(velocity,
            zeros(k, dtype: velocity.dtype, device: velocity.device),
            ones(k, dtype: velocity.dtype, device: velocity.device));
    }

    /// <summary>dz, shape (K, ...).</summary>
    public Tensor Z { get; }

    /// <summary>dr, shape (K,).</summary>
    public Tensor R { get; }

    /// <summary>dt, shape (K,).</summary>
    public Tensor T { get; }

    /// <summary>K: the number of leading batch rows the tangent applies to.</summary>
    public long Rows => Z.shape[0];
}
