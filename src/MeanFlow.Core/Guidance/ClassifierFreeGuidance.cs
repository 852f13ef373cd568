using System;
using System.Globalization;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Guidance;

/// <summary>
/// Classifier-free guidance trained into the average velocity (MeanFlow §4.2 and appendix). During
/// training labels are replaced by the null class with probability <see cref="DropProbability"/>, and for
/// kept labels with t inside [<see cref="IntervalStart"/>, <see cref="IntervalEnd"/>] the velocity in the target becomes
/// ṽ_t = ω·v_t + κ·u_θ(z_t, t, t | c) + (1 − ω − κ)·u_θ(z_t, t, t | ∅), with effective scale ω / (1 − κ).
/// Sampling then needs no guidance arithmetic: one network call gives a guided sample.
/// </summary>
/// <remarks>
/// Rows whose label was dropped learn the unconditional field, so their target keeps ṽ_t = v_t.
/// ω = 1, κ = 0 turns the guidance arithmetic off and leaves only label dropping.
/// </remarks>
public sealed class ClassifierFreeGuidance
{
    /// <summary>Creates the guidance settings.</summary>
    /// <param name="nullClass">The label index of the null class ∅ (usually the number of classes).</param>
    /// <param name="scale">ω &gt; 0. The default is 1.0 (the paper's B/2 setting).</param>
    /// <param name="mixing">κ in [0, 1). The default is 0.5 (B/2), giving an effective scale ω/(1 − κ) = 2.</param>
    /// <param name="dropProbability">Probability of replacing a label by ∅, in [0, 1]. The default is 0.1.</param>
    /// <param name="intervalStart">Guidance acts for t ≥ this, in [0, 1]. The default is 0.</param>
    /// <param name="intervalEnd">Guidance acts for t ≤ this, in [start, 1]. The default is 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range; the message names it.</exception>
    public ClassifierFreeGuidance(long nullClass, double scale = 1.0, double mixing = 0.5, double dropProbability = 0.1,
        double intervalStart = 0.0, double intervalEnd = 1.0)
    {
        if (nullClass < 0)
            throw new ArgumentOutOfRangeException(nameof(nullClass), nullClass, $"nullClass must be ≥ 0; got {nullClass}.");
        Guard.Positive(scale, nameof(scale));
        if (!(mixing >= 0 && mixing < 1))
            throw new ArgumentOutOfRangeException(nameof(mixing), mixing,
                $"mixing (κ) must lie in [0, 1); got {Guard.Format(mixing)}.");
        Guard.Fraction(dropProbability, nameof(dropProbability));
        Guard.Fraction(intervalStart, nameof(intervalStart));
        Guard.Fraction(intervalEnd, nameof(intervalEnd));
        if (intervalEnd < intervalStart)
            throw new ArgumentOutOfRangeException(nameof(intervalEnd), intervalEnd,
                $"intervalEnd must be ≥ intervalStart = {Guard.Format(intervalStart)}; got {Guard.Format(intervalEnd)}.");
        NullClass = nullClass;
        Scale = scale;
        Mixing = mixing;
        DropProbability = dropProbability;
        IntervalStart = intervalStart;
        IntervalEnd = intervalEnd;
    }

    /// <summary>The label index of the null class ∅.</summary>
    public long NullClass { get; }

    /// <summary>ω, the weight of the conditional velocity v_t in the guided target.</summary>
    public double Scale { get; }

    /// <summary>κ, the weight of the model's own conditional velocity in the guided target.</summary>
    public double Mixing { get; }

    /// <summary>Probability of dropping a label to ∅ during training.</summary>
    public double DropProbability { get; }

    /// <summary>Lower end of the guidance interval in t.</summary>
    public double IntervalStart { get; }

    /// <summary>Upper end of the guidance interval in t.</summary>
    public double IntervalEnd { get; }

    /// <summary>The guidance scale the trained field realises, ω′ = ω / (1 − κ).</summary>
    public double EffectiveScale => Scale / (1 - Mixing);

    /// <summary>Whether the target differs from v_t anywhere (ω ≠ 1 or κ ≠ 0).</summary>
    public bool ChangesTarget => Scale != 1.0 || Mixing != 0.0;

    /// <summary>Draws which labels to drop.</summary>
    /// <param name="batchSize">B.</param>
    /// <param name="device">Device of the mask.</param>
    /// <param name="generator">Random generator, or <c>null</c>.</param>
    /// <returns>Boolean mask, shape (B,): true where the label becomes ∅.</returns>
    public Tensor DrawDropMask(long batchSize, Device device, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var u = RandomDraw.Uniform(new[] { batchSize }, ScalarType.Float64, device, generator);
        return (u < DropProbability).MoveToOuterDisposeScope();
    }

    /// <summary>Which rows the guided target applies to: t in the interval and label kept.</summary>
    /// <param name="t">Times, shape (B,).</param>
    /// <param name="dropMask">Drop mask, shape (B,), or <c>null</c> for none dropped.</param>
    /// <returns>Boolean mask, shape (B,).</returns>
    public Tensor GuidedRows(Tensor t, Tensor? dropMask)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var scope = NewDisposeScope();
        var inside = (t >= IntervalStart).logical_and(t <= IntervalEnd);
        if (dropMask is not null) inside = inside.logical_and(dropMask.logical_not());
        return inside.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"CFG(ω = {Scale}, κ = {Mixing}, ω′ = {EffectiveScale}, drop {DropProbability}, t ∈ [{IntervalStart}, {IntervalEnd}], ∅ = {NullClass})");
}
