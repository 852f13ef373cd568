using System;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>Conveniences defined on top of <see cref="IVelocityField"/>.</summary>
public static class VelocityFieldExtensions
{
    /// <summary>The instantaneous velocity v(z, t | c) = u(z, t, t | c).</summary>
    /// <param name="field">The field.</param>
    /// <param name="z">State, shape (B, ...).</param>
    /// <param name="t">Times, shape (B,).</param>
    /// <param name="labels">Labels, int64 (B,), or <c>null</c>.</param>
    /// <returns>v(z, t | c), shape of <paramref name="z"/>.</returns>
    public static Tensor InstantaneousVelocity(this IVelocityField field, Tensor z, Tensor t, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AverageVelocity(z, t, t, labels);
    }
}
