using MeanFlow.Jvp;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// A velocity field that propagates an input tangent (dz, dr, dt) through its own computation
/// (forward-mode differentiation), returning u and its Jacobian-vector product in one pass.
/// </summary>
/// <remarks>
/// The MeanFlow target needs d/dt u(z_t, r, t) = ∂_z u·v + ∂_t u, the JVP along (v, 0, 1). The objective
/// asks for it only on the rows with r ≠ t (for the others the factor t − r is zero), and it orders the
/// batch so that those rows come first: the tangent covers the leading K rows, a narrow view of the batch
/// whose primal intermediates the field can reuse.
/// </remarks>
public interface ITangentVelocityField : IVelocityField
{
    /// <summary>
    /// Evaluates u(z, r, t | c) on all B rows and its JVP ∂_z u·dz + ∂_r u·dr + ∂_t u·dt on the leading
    /// K rows, K = <c>tangent.Rows</c> ≤ B.
    /// </summary>
    /// <param name="z">State, shape (B, ...).</param>
    /// <param name="r">Start times, shape (B,).</param>
    /// <param name="t">End times, shape (B,).</param>
    /// <param name="labels">Labels, int64 (B,), or <c>null</c>.</param>
    /// <param name="tangent">Input tangent for rows 0 … K − 1.</param>
    /// <returns>The value, shape (B, ...), differentiable with respect to the field's parameters; and the
    /// tangent, shape (K, ...), computed without an autograd graph (the MeanFlow target is stop-gradient).</returns>
    JvpOutput AverageVelocityWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent);
}
