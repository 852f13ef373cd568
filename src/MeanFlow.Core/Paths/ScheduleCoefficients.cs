using System;
using static TorchSharp.torch;

namespace MeanFlow.Paths;

/// <summary>a_t, b_t and their derivatives at some times t; every tensor has the shape of t.</summary>
public sealed class ScheduleCoefficients
{
    /// <summary>Creates the coefficients.</summary>
    /// <param name="a">a_t, the data coefficient.</param>
    /// <param name="b">b_t, the noise coefficient.</param>
    /// <param name="da">a'_t = da/dt.</param>
    /// <param name="db">b'_t = db/dt.</param>
    public ScheduleCoefficients(Tensor a, Tensor b, Tensor da, Tensor db)
    {
        A = a ?? throw new ArgumentNullException(nameof(a));
        B = b ?? throw new ArgumentNullException(nameof(b));
        DA = da ?? throw new ArgumentNullException(nameof(da));
        DB = db ?? throw new ArgumentNullException(nameof(db));
    }

    /// <summary>a_t, the coefficient of the data x.</summary>
    public Tensor A { get; }

    /// <summary>b_t, the coefficient of the noise ε.</summary>
    public Tensor B { get; }

    /// <summary>a'_t.</summary>
    public Tensor DA { get; }

    /// <summary>b'_t.</summary>
    public Tensor DB { get; }
}
