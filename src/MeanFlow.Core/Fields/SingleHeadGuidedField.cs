using System;
using MeanFlow.Internal;
using MeanFlow.Jvp;
using static TorchSharp.torch;

namespace MeanFlow.Fields;

/// <summary>
/// Lets a single-head field u(z, r, t | c) serve as a two-head field when the user asks: its v-head is the diagonal
/// v(z, t | c) = u(z, t, t | c), the instantaneous velocity MeanFlow's u equals at r = t.
/// </summary>
/// <remarks>
/// <para>The wrapped field sees z, r, t and the labels only: it <b>ignores ω and the guidance interval</b>, so training it
/// with improved MeanFlow teaches it no guidance scale (at ω ≠ 1 the guided target mixes the model's own conditional
/// and unconditional velocities, as in MeanFlow's classifier-free guidance, but the network cannot tell scales apart);
/// for guidance chosen at sampling time use a field that takes them as inputs.</para>
/// <para>Both heads come from one call of the wrapped field on the batch stacked twice, (z, r, t) over (z, t, t).
/// The tangent of u uses the wrapped field's forward mode when it is an <see cref="ITangentVelocityField"/> and the
/// exact double-backward JVP otherwise. Wrapping the analytic <see cref="DiagonalGaussianField"/> gives the exact pair
/// (u, v) that the improved-MeanFlow identities are tested on.</para>
/// </remarks>
public sealed class SingleHeadGuidedField : ITangentGuidedVelocityField
{
    private readonly DoubleBackwardJvp _doubleBackward = new();

    /// <summary>Wraps <paramref name="field"/>.</summary>
    /// <param name="field">The single-head field.</param>
    public SingleHeadGuidedField(IVelocityField field) => Field = field ?? throw new ArgumentNullException(nameof(field));

    /// <summary>The wrapped single-head field.</summary>
    public IVelocityField Field { get; }

    /// <inheritdoc />
    /// <remarks>Always true: the v-head is u(z, t, t).</remarks>
    public bool HasInstantaneousHead => true;

    /// <inheritdoc />
    /// <remarks><paramref name="guidance"/> is checked for shape and then ignored.</remarks>
    public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        Check(z, r, t, guidance);
        using var scope = NewDisposeScope();
        var (zz, rr, tt, ll) = Stacked(z, r, t, labels);
        var both = Field.AverageVelocity(zz, rr, tt, ll);
        return Split(both, z.shape[0]).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>One call of the wrapped field on B rows, u(z, r, t | c); <paramref name="guidance"/> is checked for shape
    /// and then ignored.</remarks>
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        Check(z, r, t, guidance);
        return Field.AverageVelocity(z, r, t, labels);
    }

    /// <inheritdoc />
    /// <remarks>One call of the wrapped field on B rows, u(z, t, t | c); <paramref name="guidance"/> is checked for shape
    /// and then ignored.</remarks>
    public Tensor InstantaneousVelocity(Tensor z, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        Check(z, t, t, guidance);
        return Field.AverageVelocity(z, t, t, labels);
    }

    /// <inheritdoc />
    public (TwoHeadVelocity Value, Tensor AverageTangent) VelocitiesWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent)
    {
        Check(z, r, t, guidance);
        ArgumentNullException.ThrowIfNull(tangent);
        using var scope = NewDisposeScope();
        var (zz, rr, tt, ll) = Stacked(z, r, t, labels);
        // The tangent's leading rows are the leading rows of the first half, (z, r, t).
        var jvp = Field is ITangentVelocityField
            ? new ForwardModeJvp().Compute(Field, zz, rr, tt, ll, tangent)
            : _doubleBackward.Compute(Field, zz, rr, tt, ll, tangent);
        var value = Split(jvp.Value, z.shape[0]).MoveToOuterDisposeScope();
        return (value, jvp.Tangent.MoveToOuterDisposeScope());
    }

    private static (Tensor Z, Tensor R, Tensor T, Tensor? Labels) Stacked(Tensor z, Tensor r, Tensor t, Tensor? labels) =>
        (cat(new[] { z, z }), cat(new[] { r, t }), cat(new[] { t, t }), labels is null ? null : cat(new[] { labels, labels }));

    private static TwoHeadVelocity Split(Tensor both, long rows) => new(both.narrow(0, 0, rows), both.narrow(0, rows, rows));

    private static void Check(Tensor z, Tensor r, Tensor t, GuidanceConditions guidance)
    {
        Guard.Floating(z, nameof(z), minDims: 1);
        Guard.BatchVector(r, z.shape[0], nameof(r));
        Guard.BatchVector(t, z.shape[0], nameof(t));
        ArgumentNullException.ThrowIfNull(guidance);
        Guard.BatchVector(guidance.Scale, z.shape[0], "guidance.Scale");
    }

    /// <inheritdoc />
    public override string ToString() => $"SingleHeadGuidedField({Field})";
}
