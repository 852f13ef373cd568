using static TorchSharp.torch;

namespace MeanFlow.Losses;

/// <summary>
/// Per-row loss weights w(‖Δ‖², r, t), applied as L = mean_rows(sg(w)·‖Δ‖²), where Δ = u_θ − sg(u_tgt) and
/// ‖Δ‖² sums over every non-batch dimension. The weight is a stop-gradient: it rescales each row's
/// gradient without being differentiated. The rows' times let a weighting depend on where on the path the
/// row lies (for example on t, or on the interval t − r).
/// </summary>
public interface ILossWeighting
{
    /// <summary>Computes the weights.</summary>
    /// <param name="squaredError">‖Δ‖² per row, shape (B,), non-negative.</param>
    /// <param name="r">The rows' start times, shape (B,), r ≤ t.</param>
    /// <param name="t">The rows' end times, shape (B,).</param>
    /// <returns>Weights, shape (B,), without autograd graph.</returns>
    Tensor Weights(Tensor squaredError, Tensor r, Tensor t);
}
