using System;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>The two heads of an improved-MeanFlow network, evaluated on one batch: the average velocity u and the
/// auxiliary instantaneous velocity v.</summary>
public sealed class TwoHeadVelocity : IDisposable
{
    /// <summary>Creates the pair.</summary>
    /// <param name="average">u(z, r, t | c, ω, t_min, t_max), shape (B, ...).</param>
    /// <param name="instantaneous">v(z, t | c, ω, t_min, t_max), shape (B, ...).</param>
    public TwoHeadVelocity(Tensor average, Tensor instantaneous)
    {
        Average = average ?? throw new ArgumentNullException(nameof(average));
        Instantaneous = instantaneous ?? throw new ArgumentNullException(nameof(instantaneous));
    }

    /// <summary>u, shape (B, ...).</summary>
    public Tensor Average { get; }

    /// <summary>v, shape (B, ...).</summary>
    public Tensor Instantaneous { get; }

    /// <summary>Moves both tensors to the enclosing dispose scope.</summary>
    /// <returns>This instance.</returns>
    public TwoHeadVelocity MoveToOuterDisposeScope()
    {
        Average.MoveToOuterDisposeScope();
        Instantaneous.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Average.Dispose();
        Instantaneous.Dispose();
    }
}
