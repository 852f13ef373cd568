using System;
using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// Exact JVP by forward-mode propagation inside the field: delegates to
/// <see cref="ITangentVelocityField.AverageVelocityWithTangent"/>. The fastest engine: the tangent rides
/// along the primal pass and reuses its intermediates.
/// </summary>
public sealed class ForwardModeJvp : IJvpEngine
{
    /// <inheritdoc />
    /// <exception cref="ArgumentException">The field does not implement <see cref="ITangentVelocityField"/>.</exception>
    public JvpOutput Compute(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        JvpArguments.Check(field, z, r, t, tangent);
        if (field is not ITangentVelocityField tangentField)
            throw new ArgumentException(
                $"{field.GetType().Name} does not implement {nameof(ITangentVelocityField)}, so it cannot propagate tangents; " +
                $"use {nameof(DoubleBackwardJvp)} (exact, any differentiable field) or {nameof(AutomaticJvp)}.", nameof(field));
        using var scope = NewDisposeScope();
        var output = tangentField.AverageVelocityWithTangent(z, r, t, labels, tangent);
        if (output.Tangent.shape[0] != tangent.Rows)
            throw new InvalidOperationException(
                $"{field.GetType().Name} returned a tangent with {output.Tangent.shape[0]} rows for a tangent input of {tangent.Rows} rows.");
        return new JvpOutput(output.Value, output.Tangent.detach()).MoveToOuterDisposeScope();
    }
}
