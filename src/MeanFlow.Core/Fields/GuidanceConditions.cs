using System;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// The guidance a guidance-conditioned field is evaluated at (improved MeanFlow, Geng et al. 2025b): a scale ω and
/// an interval [t_min, t_max] per row. Guidance acts on the rows whose t lies in the interval; ω = 1 turns it off.
/// </summary>
/// <remarks>
/// The network sees these as inputs, embedded like times, so one trained model samples at any ω and interval.
/// The official iMF DiT embeds 1 − 1/ω rather than ω (see its backbone); that is the backbone's choice, not the
/// contract's: <see cref="Scale"/> is always ω itself.
/// </remarks>
public sealed class GuidanceConditions
{
    /// <summary>Creates the conditions and checks that the three tensors are batch vectors of one dtype and device.</summary>
    /// <param name="scale">ω ≥ 1 per row, shape (B,).</param>
    /// <param name="intervalStart">t_min per row, shape (B,), in [0, 1].</param>
    /// <param name="intervalEnd">t_max per row, shape (B,), in [t_min, 1].</param>
    /// <exception cref="ArgumentException">The shapes, dtypes or devices disagree.</exception>
    /// <remarks>Values are not read here (that would synchronise with the device); objectives and samplers check the
    /// values they draw or are given at their public surface.</remarks>
    public GuidanceConditions(Tensor scale, Tensor intervalStart, Tensor intervalEnd)
    {
        Guard.Floating(scale, nameof(scale), minDims: 1);
        Guard.BatchVector(scale, scale.shape[0], nameof(scale));
        Guard.BatchVector(intervalStart, scale.shape[0], nameof(intervalStart));
        Guard.BatchVector(intervalEnd, scale.shape[0], nameof(intervalEnd));
        Guard.SameDtype(scale, nameof(scale), intervalStart, nameof(intervalStart));
        Guard.SameDtype(scale, nameof(scale), intervalEnd, nameof(intervalEnd));
        Guard.SameDevice(scale, nameof(scale), intervalStart, nameof(intervalStart));
        Guard.SameDevice(scale, nameof(scale), intervalEnd, nameof(intervalEnd));
        Scale = scale;
        IntervalStart = intervalStart;
        IntervalEnd = intervalEnd;
    }

    /// <summary>No guidance on <paramref name="rows"/> rows: ω = 1 on the interval [0, 1].</summary>
    /// <param name="rows">B ≥ 1.</param>
    /// <param name="dtype">Floating dtype of the three tensors.</param>
    /// <param name="device">Their device.</param>
    /// <returns>ω = 1, t_min = 0, t_max = 1 on every row.</returns>
    public static GuidanceConditions None(long rows, ScalarType dtype, Device device) =>
        Constant(rows, 1.0, 0.0, 1.0, dtype, device);

    /// <summary>The same scale and interval on every row (what a sampler asks for).</summary>
    /// <param name="rows">B ≥ 1.</param>
    /// <param name="scale">ω ≥ 1.</param>
    /// <param name="intervalStart">t_min in [0, 1].</param>
    /// <param name="intervalEnd">t_max in [t_min, 1].</param>
    /// <param name="dtype">Floating dtype of the three tensors.</param>
    /// <param name="device">Their device.</param>
    /// <returns>The conditions, each of shape (B,).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range; the message names it.</exception>
    public static GuidanceConditions Constant(long rows, double scale, double intervalStart, double intervalEnd,
        ScalarType dtype, Device device)
    {
        Guard.Positive(rows, nameof(rows));
        if (!(scale >= 1) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"scale (ω) must be finite and ≥ 1; got {Guard.Format(scale)}.");
        Guard.Fraction(intervalStart, nameof(intervalStart));
        Guard.Fraction(intervalEnd, nameof(intervalEnd));
        if (intervalStart > intervalEnd)
            throw new ArgumentOutOfRangeException(nameof(intervalStart), intervalStart,
                $"intervalStart ({Guard.Format(intervalStart)}) must not exceed intervalEnd ({Guard.Format(intervalEnd)}).");
        return new GuidanceConditions(full(rows, scale, dtype: dtype, device: device),
            full(rows, intervalStart, dtype: dtype, device: device), full(rows, intervalEnd, dtype: dtype, device: device));
    }

    /// <summary>ω per row, shape (B,).</summary>
    public Tensor Scale { get; }

    /// <summary>t_min per row, shape (B,).</summary>
    public Tensor IntervalStart { get; }

    /// <summary>t_max per row, shape (B,).</summary>
    public Tensor IntervalEnd { get; }

    /// <summary>B: the number of rows.</summary>
    public long Rows => Scale.shape[0];
}
