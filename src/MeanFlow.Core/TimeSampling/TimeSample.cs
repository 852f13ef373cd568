using System;
using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>Times for one batch: r (start) and t (end, the noisier time), r ≤ t.</summary>
public sealed class TimeSample : IDisposable
{
    /// <summary>Creates the pair.</summary>
    /// <param name="r">Start times, shape (B,), r ≤ t.</param>
    /// <param name="t">End times, shape (B,).</param>
    public TimeSample(Tensor r, Tensor t)
    {
        R = r ?? throw new ArgumentNullException(nameof(r));
        T = t ?? throw new ArgumentNullException(nameof(t));
    }

    /// <summary>Start times r, shape (B,), r ≤ t.</summary>
    public Tensor R { get; }

    /// <summary>End times t, shape (B,).</summary>
    public Tensor T { get; }

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        R.Dispose();
        T.Dispose();
    }
}
