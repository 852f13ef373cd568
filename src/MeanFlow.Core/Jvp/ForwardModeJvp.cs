using System;
using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// Exact JVP by forward-mode propagation inside the field: delegates to
/// <see cref="ITangentVelocityField.AverageVelocityWithTangent"/>. The fastest engine: the tangent rides
/// along the primal pass and reuses its intermediates.
/// </summary>
public sealed class ForwardModeJvp : IJvpEngine, IGuidedJvpEngine
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

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The field does not implement <see cref="ITangentGuidedVelocityField"/>.</exception>
    public GuidedJvpOutput Compute(IGuidedVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent)
    {
        JvpArguments.Check(field, z, r, t, guidance, tangent);
        if (field is not ITangentGuidedVelocityField tangentField)
            throw new ArgumentException(
                $"{field.GetType().Name} does not implement {nameof(ITangentGuidedVelocityField)}, so it cannot propagate tangents; " +
                $"use {nameof(DoubleBackwardJvp)} (exact, any differentiable field) or {nameof(AutomaticJvp)}.", nameof(field));
        using var scope = NewDisposeScope();
        var (value, average) = tangentField.VelocitiesWithTangent(z, r, t, labels, guidance, tangent);
        if (average.shape[0] != tangent.Rows)
            throw new InvalidOperationException(
                $"{field.GetType().Name} returned a tangent with {average.shape[0]} rows for a tangent input of {tangent.Rows} rows.");
        return new GuidedJvpOutput(value, average.detach()).MoveToOuterDisposeScope();
    }
}
