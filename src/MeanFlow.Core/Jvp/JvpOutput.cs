using System;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>A field value and its Jacobian-vector product along an <see cref="InputTangent"/>.</summary>
public sealed class JvpOutput : IDisposable
{
    /// <summary>Creates the pair.</summary>
    /// <param name="value">u(z, r, t | c), shape (B, ...).</param>
    /// <param name="tangent">JVP on the leading K rows, shape (K, ...).</param>
    public JvpOutput(Tensor value, Tensor tangent)
    {
        Value = value ?? throw new ArgumentNullException(nameof(value));
        Tangent = tangent ?? throw new ArgumentNullException(nameof(tangent));
    }

    /// <summary>u(z, r, t | c) on every row, shape (B, ...); keeps its autograd graph.</summary>
    public Tensor Value { get; }

    /// <summary>∂_z u·dz + ∂_r u·dr + ∂_t u·dt on the leading K rows, shape (K, ...); no autograd graph.</summary>
    public Tensor Tangent { get; }

    /// <summary>Moves both tensors to the enclosing dispose scope.</summary>
    /// <returns>This instance.</returns>
    public JvpOutput MoveToOuterDisposeScope()
    {
        Value.MoveToOuterDisposeScope();
        Tangent.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Value.Dispose();
        Tangent.Dispose();
    }
}
