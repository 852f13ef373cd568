using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>A <see cref="TimeConditioning"/>'s time inputs as pairs, for backbones built from the tangent-capable layers.</summary>
public static class TimeInputs
{
    /// <summary>
    /// The time inputs of <paramref name="mode"/> (t and t − r, …, in the order of
    /// <see cref="TimeConditioningExtensions.Inputs"/>) with their tangents: each input is linear in (r, t), so the
    /// same map sends (dr, dt) to its tangent.
    /// </summary>
    /// <param name="mode">The conditioning mode.</param>
    /// <param name="r">Start times, shape (B,), tangent (K,) or none.</param>
    /// <param name="t">End times, shape (B,), with the tangent rows of <paramref name="r"/>.</param>
    /// <returns>One pair per input, shape (B,), tangent (K,) or none.</returns>
    /// <exception cref="ArgumentException"><paramref name="r"/> and <paramref name="t"/> differ in rows or tangent rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not defined.</exception>
    public static IReadOnlyList<Dual> Of(TimeConditioning mode, Dual r, Dual t)
    {
        ArgumentNullException.ThrowIfNull(r);
        Dual.CheckSameTangentRows(r, t, nameof(t));
        var values = mode.Inputs(r.Primal, t.Primal);
        if (t.Tangent is null) return values.Select(v => new Dual(v)).ToArray();
        IReadOnlyList<Tensor> tangents;
        using (no_grad()) tangents = mode.Inputs(r.Tangent!, t.Tangent);
        return values.Zip(tangents, (v, d) => new Dual(v, d)).ToArray();
    }
}
