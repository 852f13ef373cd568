using System;
using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>Both heads of a two-head field and the JVP of its u-head along an <see cref="InputTangent"/>.</summary>
public sealed class GuidedJvpOutput : IDisposable
{
    /// <summary>Creates the pair.</summary>
    /// <param name="value">u and v on every row, shape (B, ...) each, with autograd graph.</param>
    /// <param name="averageTangent">∂_z u·dz + ∂_r u·dr + ∂_t u·dt on the leading K rows, shape (K, ...), without graph.</param>
    public GuidedJvpOutput(TwoHeadVelocity value, Tensor averageTangent)
    {
        Value = value ?? throw new ArgumentNullException(nameof(value));
        AverageTangent = averageTangent ?? throw new ArgumentNullException(nameof(averageTangent));
    }

    /// <summary>u and v on every row, shape (B, ...) each; keep their autograd graph.</summary>
    public TwoHeadVelocity Value { get; }

    /// <summary>The u-head's JVP on the leading K rows, shape (K, ...); no autograd graph.</summary>
    public Tensor AverageTangent { get; }

    /// <summary>Moves the tensors to the enclosing dispose scope.</summary>
    /// <returns>This instance.</returns>
    public GuidedJvpOutput MoveToOuterDisposeScope()
    {
        Value.MoveToOuterDisposeScope();
        AverageTangent.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Value.Dispose();
        AverageTangent.Dispose();
    }
}
