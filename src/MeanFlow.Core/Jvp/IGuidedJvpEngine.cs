using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// Evaluates both heads of a two-head, guidance-conditioned field and the JVP of its u-head along an input tangent:
/// the differentiation improved MeanFlow needs. The engines that implement <see cref="IJvpEngine"/> implement this too:
/// <see cref="ForwardModeJvp"/> (the field's own tangents), <see cref="DoubleBackwardJvp"/> (exact for any
/// differentiable field) and <see cref="AutomaticJvp"/> (forward mode when the field supports it).
/// </summary>
public interface IGuidedJvpEngine
{
    /// <summary>Evaluates both heads on all rows and the u-head's JVP on the tangent's leading rows.</summary>
    /// <param name="field">The field.</param>
    /// <param name="z">State, shape (B, ...).</param>
    /// <param name="r">Start times, shape (B,).</param>
    /// <param name="t">End times, shape (B,).</param>
    /// <param name="labels">Labels, int64 (B,), or <c>null</c>.</param>
    /// <param name="guidance">ω and the interval per row (constant along the tangent).</param>
    /// <param name="tangent">Tangent (dz, dr, dt) for rows 0 … K − 1, K ≤ B.</param>
    /// <returns>Both heads (B, ...) with autograd graph; the u-head's tangent (K, ...) without.</returns>
    GuidedJvpOutput Compute(IGuidedVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent);
}
