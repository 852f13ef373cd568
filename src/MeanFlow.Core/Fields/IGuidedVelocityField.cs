using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// A guidance-conditioned, two-head field (improved MeanFlow): from one trunk it returns the average velocity
/// u(z, r, t | c, ω, t_min, t_max) and an auxiliary instantaneous velocity v(z, t | c, ω, t_min, t_max).
/// </summary>
/// <remarks>
/// Argument order follows the library's convention (z, then r, then t). Sampling uses u only, at the ω and interval
/// the user chooses; training uses v for the guided target and as the JVP's tangent. Single-head fields
/// (<see cref="IVelocityField"/>) keep working with the original objectives.
/// </remarks>
public interface IGuidedVelocityField
{
    /// <summary>Evaluates both heads.</summary>
    /// <param name="z">State z_t, shape (B, ...).</param>
    /// <param name="r">Start times, shape (B,), dtype of <paramref name="z"/>.</param>
    /// <param name="t">End times, shape (B,), dtype of <paramref name="z"/>; r ≤ t.</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c> for an unconditional field; the null class
    /// (usually the number of classes) is the unconditional input.</param>
    /// <param name="guidance">ω and the interval per row.</param>
    /// <returns>u and v, each of the shape of <paramref name="z"/>.</returns>
    TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance);

    /// <summary>Whether the field has its v-head (an inference-only network may have dropped it; training needs it).</summary>
    bool HasInstantaneousHead { get; }
}
