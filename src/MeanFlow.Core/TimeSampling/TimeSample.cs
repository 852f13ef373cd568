using System;
using static TorchSharp.torch;

namespace MeanFlow.TimeSampling;

/// <summary>Times for one batch: t (end, the noisier time) and r (start), r ≤ t.</summary>
public sealed class TimeSample : IDisposable
{
    /// <summary>Creates the pair.</summary>
    /// <param name="t">End times, shape (B,).</param>
    /// <param name="r">Start times, shape (B,).</param>
    public TimeSample(Tensor t, Tensor r)
    {
        T = t ?? throw new ArgumentNullException(nameof(t));
        R = r ?? throw new ArgumentNullException(nameof(r));
    }

    /// <summary>End times t, shape (B,).</summary>
    public Tensor T { get; }

    /// <summary>Start times r, shape (B,), r ≤ t.</summary>
    public Tensor R { get; }

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        T.Dispose();
        R.Dispose();
    }
}
