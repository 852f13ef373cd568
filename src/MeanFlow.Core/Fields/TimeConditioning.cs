using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// Which functions of (r, t) a network receives as its time inputs (MeanFlow paper, Table 1c).
/// The field is always u(z, r, t); the backbone maps (r, t) to these inputs, and since each is linear in
/// (r, t) the same map sends a tangent (dr, dt) to the inputs' tangents.
/// </summary>
public enum TimeConditioning
{
    /// <summary>(t, t − r): the paper's default.</summary>
    TimeAndInterval = 0,

    /// <summary>(t, r).</summary>
    TimeAndStart = 1,

    /// <summary>(t, r, t − r).</summary>
    TimeStartAndInterval = 2,

    /// <summary>t − r alone.</summary>
    IntervalOnly = 3,
}

/// <summary>Maps (r, t) to a network's time inputs for a <see cref="TimeConditioning"/>.</summary>
public static class TimeConditioningExtensions
{
    /// <summary>How many scalar time inputs the mode produces per row.</summary>
    /// <param name="mode">The conditioning mode.</param>
    /// <returns>1, 2 or 3.</returns>
    public static int InputCount(this TimeConditioning mode) => mode switch
    {
        TimeConditioning.TimeAndInterval or TimeConditioning.TimeAndStart => 2,
        TimeConditioning.TimeStartAndInterval => 3,
        TimeConditioning.IntervalOnly => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, $"Unknown time conditioning {mode}."),
    };

    /// <summary>
    /// The time inputs, each of shape (B,). Because the map is linear, passing a tangent (dr, dt) returns
    /// the inputs' tangents.
    /// </summary>
    /// <param name="mode">The conditioning mode.</param>
    /// <param name="r">Start times (or their tangent), shape (B,).</param>
    /// <param name="t">End times (or their tangent), shape (B,).</param>
    /// <returns><see cref="InputCount"/> tensors of shape (B,).</returns>
    public static IReadOnlyList<Tensor> Inputs(this TimeConditioning mode, Tensor r, Tensor t) => mode switch
    {
        TimeConditioning.TimeAndInterval => new[] { t, t - r },
        TimeConditioning.TimeAndStart => new[] { t, r },
        TimeConditioning.TimeStartAndInterval => new[] { t, r, t - r },
        TimeConditioning.IntervalOnly => new[] { t - r },
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, $"Unknown time conditioning {mode}."),
    };
}
