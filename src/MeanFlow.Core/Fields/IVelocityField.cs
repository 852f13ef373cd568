using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// A field of average velocities u(z, r, t | c) = 1/(t − r) ∫_r^t v(z_τ, τ) dτ, where z_τ is the
/// trajectory of the instantaneous velocity v through z at time t. The instantaneous velocity is the
/// diagonal u(z, t, t | c) = v(z, t | c).
/// </summary>
/// <remarks>
/// Time runs from data (t = 0) to noise (t = 1). A one-step sample is x = ε − u(ε, 0, 1).
/// Implementations are neural networks (a MeanFlow model), or analytic fields used as ground truth.
/// </remarks>
public interface IVelocityField
{
    /// <summary>Evaluates the average velocity u(z, r, t | c).</summary>
    /// <param name="z">State z_t, shape (B, ...) — batch first, any trailing shape.</param>
    /// <param name="r">Start times r, shape (B,), same dtype as <paramref name="z"/>.</param>
    /// <param name="t">End times t, shape (B,), same dtype as <paramref name="z"/>.</param>
    /// <param name="labels">Class labels c, int64 of shape (B,), or <c>null</c> for an unconditional field.
    /// Conditional fields reserve one index for the null class used by classifier-free guidance.</param>
    /// <returns>u(z, r, t | c), shape of <paramref name="z"/>.</returns>
    Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null);
}
