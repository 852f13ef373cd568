using MeanFlow.Jvp;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// A two-head, guidance-conditioned field that propagates an input tangent (dz, dr, dt) through its own computation
/// (forward mode), giving the JVP of its u-head in the same pass as both heads' values.
/// </summary>
/// <remarks>As <see cref="ITangentVelocityField"/>: the tangent covers the leading K rows of the batch.</remarks>
public interface ITangentGuidedVelocityField : IGuidedVelocityField
{
    /// <summary>Evaluates both heads on all B rows and the u-head's JVP ∂_z u·dz + ∂_r u·dr + ∂_t u·dt on the
    /// leading K = <c>tangent.Rows</c> rows.</summary>
    /// <param name="z">State, shape (B, ...).</param>
    /// <param name="r">Start times, shape (B,).</param>
    /// <param name="t">End times, shape (B,).</param>
    /// <param name="labels">Labels, int64 (B,), or <c>null</c>.</param>
    /// <param name="guidance">ω and the interval per row (constant along the tangent).</param>
    /// <param name="tangent">Input tangent for rows 0 … K − 1.</param>
    /// <returns>Both heads' values (with their autograd graph) and the u-head's tangent, shape (K, ...), without an
    /// autograd graph.</returns>
    (TwoHeadVelocity Value, Tensor AverageTangent) VelocitiesWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent);
}
