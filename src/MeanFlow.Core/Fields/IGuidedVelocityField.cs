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

    /// <summary>The u-head alone: u(z, r, t | c, ω, t_min, t_max), what a sampler needs. The default evaluates
    /// <see cref="Velocities"/> and keeps u; a field whose heads can run separately overrides it to skip the v-head (same
    /// values, less work, and it works on an inference network that dropped its v-head).</summary>
    /// <param name="z">State z_t, shape (B, ...).</param>
    /// <param name="r">Start times, shape (B,), dtype of <paramref name="z"/>.</param>
    /// <param name="t">End times, shape (B,), dtype of <paramref name="z"/>; r ≤ t.</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c>, as for <see cref="Velocities"/>.</param>
    /// <param name="guidance">ω and the interval per row.</param>
    /// <returns>u, of the shape of <paramref name="z"/>.</returns>
    Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        using var scope = NewDisposeScope();
        return Velocities(z, r, t, labels, guidance).Average.MoveToOuterDisposeScope();
    }

    /// <summary>The v-head alone at r = t (h = 0): v(z, t | c, ω, t_min, t_max), what improved MeanFlow's no-gradient
    /// guidance and tangent pass needs. The default evaluates <see cref="Velocities"/>(z, t, t, …) and keeps v; a field
    /// whose heads can run separately overrides it to skip the u-head (same values, less work).</summary>
    /// <param name="z">State z_t, shape (B, ...).</param>
    /// <param name="t">Times, shape (B,), dtype of <paramref name="z"/>; also the start time (r = t).</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c>, as for <see cref="Velocities"/>.</param>
    /// <param name="guidance">ω and the interval per row.</param>
    /// <returns>v, of the shape of <paramref name="z"/>.</returns>
    Tensor InstantaneousVelocity(Tensor z, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        using var scope = NewDisposeScope();
        return Velocities(z, t, t, labels, guidance).Instantaneous.MoveToOuterDisposeScope();
    }

    /// <summary>Whether the field has its v-head (an inference-only network may have dropped it; training needs it).</summary>
    bool HasInstantaneousHead { get; }
}
