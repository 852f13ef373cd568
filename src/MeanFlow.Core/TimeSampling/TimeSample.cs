using System;
using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>
/// Times for one batch: r (start) and t (end, the noisier time), r ≤ t, and — when the sampler knows it — how many
/// leading rows may have r ≠ t.
/// </summary>
/// <remarks>
/// Only rows with r ≠ t need a Jacobian-vector product. A sampler that puts them first and says how many there are
/// (<see cref="LeadingDistinctRows"/>) lets the objective take the tangent of one leading block without reading
/// anything back from the device; without the count the objective finds those rows itself, which reads the times.
/// </remarks>
public sealed class TimeSample : IDisposable
{
    /// <summary>Creates the pair.</summary>
    /// <param name="r">Start times, shape (B,), r ≤ t.</param>
    /// <param name="t">End times, shape (B,).</param>
    /// <param name="leadingDistinctRows">K: rows K … B − 1 have r = t exactly (rows 0 … K − 1 may have r ≠ t); or
    /// <c>null</c> when the rows are in no particular order.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="leadingDistinctRows"/> is outside [0, B].</exception>
    public TimeSample(Tensor r, Tensor t, long? leadingDistinctRows = null)
    {
        R = r ?? throw new ArgumentNullException(nameof(r));
        T = t ?? throw new ArgumentNullException(nameof(t));
        if (leadingDistinctRows is { } k && (k < 0 || k > r.shape[0]))
            throw new ArgumentOutOfRangeException(nameof(leadingDistinctRows), k,
                $"leadingDistinctRows must lie in [0, {r.shape[0]}] for a batch of {r.shape[0]} rows; got {k}.");
        LeadingDistinctRows = leadingDistinctRows;
    }

    /// <summary>Start times r, shape (B,), r ≤ t.</summary>
    public Tensor R { get; }

    /// <summary>End times t, shape (B,).</summary>
    public Tensor T { get; }

    /// <summary>K such that rows K … B − 1 have r = t, or <c>null</c> if unknown.</summary>
    public long? LeadingDistinctRows { get; }

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        R.Dispose();
        T.Dispose();
    }
}
