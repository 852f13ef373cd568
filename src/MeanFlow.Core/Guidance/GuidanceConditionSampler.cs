using System;
using System.Globalization;
using MeanFlow.Fields;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Guidance;

/// <summary>
/// Draws the guidance an improved-MeanFlow network is trained at (Geng et al. 2025b, arXiv 2512.02012; official
/// code Lyy-iiis/imeanflow, <c>imf.py</c>: <c>sample_cfg_scale</c>, <c>sample_cfg_interval</c>, <c>cond_drop</c>):
/// a scale ω per row with density ∝ ω^(−β) on [1, 1 + s_max], a guidance interval t_min ~ U[0, a], t_max ~ U[b, 1]
/// (flow-matching rows, r = t, get [0, 1]), and which labels are dropped to the null class.
/// </summary>
/// <remarks>
/// <para>The official code draws s = exp(U·log1p(s_max)) with U ~ U[0, 1] and s_max = 7 (β = 1): ω = (1 + s_max)^U lies in
/// [1, 8], so it is <c>1 + s_max</c>, not s_max, that bounds ω, and ln ω is uniform on [0, ln(1 + s_max)]. For β ≠ 1 it
/// inverts the CDF of the density ∝ ω^(−β): ω = (1 + U·((1 + s_max)^(1 − β) − 1))^(1/(1 − β)).</para>
/// <para>Guidance is an input of the network, so one trained model samples at any ω and interval chosen later.</para>
/// </remarks>
public sealed class GuidanceConditionSampler
{
    /// <summary>Creates the sampler; the defaults are the official iMF training settings.</summary>
    /// <param name="nullClass">The label index of the null class ∅ (usually the number of classes), needed when the
    /// training data has labels; <c>null</c> for unconditional training (labels are then refused). The default is <c>null</c>.</param>
    /// <param name="maxScale">s_max ≥ 0: ω lies in [1, 1 + s_max]. The default is 7 (ω ≤ 8).</param>
    /// <param name="scalePower">β ≥ 0, finite: ω has density ∝ ω^(−β). The default is 1 (the official <c>cfg_beta</c>).</param>
    /// <param name="intervalStartMax">a in [0, 1]: t_min ~ U[0, a]. The default is 0.5.</param>
    /// <param name="intervalEndMin">b in [a, 1]: t_max ~ U[b, 1]. The default is 0.5.</param>
    /// <param name="dropProbability">Probability of replacing a label by ∅, in [0, 1]. The default is 0.1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range; the message names it and its value.</exception>
    public GuidanceConditionSampler(long? nullClass = null, double maxScale = 7.0, double scalePower = 1.0,
        double intervalStartMax = 0.5, double intervalEndMin = 0.5, double dropProbability = 0.1)
    {
        if (nullClass is < 0)
            throw new ArgumentOutOfRangeException(nameof(nullClass), nullClass, $"nullClass must be ≥ 0 (or null); got {nullClass}.");
        Guard.NonNegative(maxScale, nameof(maxScale));
        Guard.NonNegative(scalePower, nameof(scalePower));
        Guard.Fraction(intervalStartMax, nameof(intervalStartMax));
        Guard.Fraction(intervalEndMin, nameof(intervalEndMin));
        if (intervalEndMin < intervalStartMax)
            throw new ArgumentOutOfRangeException(nameof(intervalEndMin), intervalEndMin,
                $"intervalEndMin must be ≥ intervalStartMax = {Guard.Format(intervalStartMax)} (so that t_min ≤ t_max); got {Guard.Format(intervalEndMin)}.");
        Guard.Fraction(dropProbability, nameof(dropProbability));
        NullClass = nullClass;
        MaxScale = maxScale;
        ScalePower = scalePower;
        IntervalStartMax = intervalStartMax;
        IntervalEndMin = intervalEndMin;
        DropProbability = dropProbability;
    }

    /// <summary>The label index of the null class ∅, or <c>null</c> for unconditional training.</summary>
    public long? NullClass { get; }

    /// <summary>s_max: ω lies in [1, 1 + s_max].</summary>
    public double MaxScale { get; }

    /// <summary>β: ω has density ∝ ω^(−β) on [1, 1 + s_max].</summary>
    public double ScalePower { get; }

    /// <summary>a: t_min ~ U[0, a].</summary>
    public double IntervalStartMax { get; }

    /// <summary>b: t_max ~ U[b, 1].</summary>
    public double IntervalEndMin { get; }

    /// <summary>Probability of dropping a label to ∅.</summary>
    public double DropProbability { get; }

    /// <summary>Draws ω, t_min and t_max for each row (in that order from <paramref name="generator"/>); rows with
    /// r = t (flow matching) get the interval [0, 1].</summary>
    /// <param name="r">Start times, shape (B,), floating point.</param>
    /// <param name="t">End times, shape (B,), dtype and device of <paramref name="r"/>.</param>
    /// <param name="generator">Random generator, or <c>null</c> for the global one.</param>
    /// <returns>The conditions, dtype and device of <paramref name="t"/>.</returns>
    /// <exception cref="ArgumentException">The times are not two floating vectors of one shape, dtype and device.</exception>
    public GuidanceConditions Sample(Tensor r, Tensor t, Generator? generator = null)
    {
        Guard.Floating(t, nameof(t), minDims: 1);
        Guard.BatchVector(t, t.shape[0], nameof(t));
        Guard.BatchVector(r, t.shape[0], nameof(r));
        Guard.SameDtype(t, nameof(t), r, nameof(r));
        Guard.SameDevice(t, nameof(t), r, nameof(r));
        using var scope = NewDisposeScope();
        var shape = new[] { t.shape[0] };
        var scale = ScaleOf(RandomDraw.Uniform(shape, t.dtype, t.device, generator));
        var start = RandomDraw.Uniform(shape, t.dtype, t.device, generator).mul_(IntervalStartMax);
        var end = RandomDraw.Uniform(shape, t.dtype, t.device, generator).mul_(1 - IntervalEndMin).add_(IntervalEndMin);
        var flowMatching = r == t;
        start = start.masked_fill(flowMatching, 0.0);
        end = end.masked_fill(flowMatching, 1.0);
        return new GuidanceConditions(scale.MoveToOuterDisposeScope(), start.MoveToOuterDisposeScope(), end.MoveToOuterDisposeScope());
    }

    /// <summary>Draws which labels to drop.</summary>
    /// <param name="rows">B ≥ 0.</param>
    /// <param name="device">Device of the mask.</param>
    /// <param name="generator">Random generator, or <c>null</c>.</param>
    /// <returns>Boolean mask, shape (B,): true where the label becomes ∅.</returns>
    public Tensor DrawDropMask(long rows, Device device, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentNullException.ThrowIfNull(device);
        using var scope = NewDisposeScope();
        var u = RandomDraw.Uniform(new[] { rows }, ScalarType.Float64, device, generator);
        return (u < DropProbability).MoveToOuterDisposeScope();
    }

    /// <summary>The inverse CDF of ω: maps U ~ U[0, 1] to ω with density ∝ ω^(−β) on [1, 1 + s_max].</summary>
    private Tensor ScaleOf(Tensor u)
    {
        var top = 1 + MaxScale;
        if (ScalePower == 1.0) return u.mul(Math.Log(top)).exp_();                      // ω = (1 + s_max)^U
        var exponent = 1 - ScalePower;
        return u.mul(Math.Pow(top, exponent) - 1).add_(1).pow_(1 / exponent);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"GuidanceConditionSampler(ω ∈ [1, {1 + MaxScale}] ∝ ω^-{ScalePower}, t_min ~ U[0, {IntervalStartMax}], t_max ~ U[{IntervalEndMin}, 1], drop {DropProbability}, ∅ = {NullClass?.ToString(CultureInfo.InvariantCulture) ?? "none"})");
}
