using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// Computes u(z, r, t | c) and its Jacobian-vector product along an input tangent: the one piece of
/// differentiation the MeanFlow objective needs. TorchSharp has no forward-mode autodiff, so engines either
/// delegate to a field that propagates tangents itself (<see cref="ForwardModeJvp"/>), use the
/// double-backward identity (<see cref="DoubleBackwardJvp"/>), or approximate (<see cref="FiniteDifferenceJvp"/>).
/// </summary>
public interface IJvpEngine
{
    /// <summary>Evaluates the field on all rows and its JVP on the tangent's leading rows.</summary>
    /// <param name="field">The field u.</param>
    /// <param name="z">State, shape (B, ...).</param>
    /// <param name="r">Start times, shape (B,).</param>
    /// <param name="t">End times, shape (B,).</param>
    /// <param name="labels">Labels, int64 (B,), or <c>null</c>.</param>
    /// <param name="tangent">Tangent for rows 0 … K − 1, K ≤ B.</param>
    /// <returns>Value (B, ...) with autograd graph; tangent (K, ...) without.</returns>
    JvpOutput Compute(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent);
}
