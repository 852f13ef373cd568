using System;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// A two-head, guidance-conditioned velocity field written once, on pairs (improved MeanFlow): from one trunk a u-head
/// gives the average velocity u(z, r, t | c, ω, t_min, t_max) and a v-head the instantaneous velocity
/// v(z, t | c, ω, t_min, t_max). A backbone implements one pass that evaluates the heads it is asked for; this class
/// answers <see cref="ITangentGuidedVelocityField"/> from it (<see cref="Velocities"/>, <see cref="VelocitiesWithTangent"/>,
/// the u-head alone in <see cref="AverageVelocity(Tensor, Tensor, Tensor, Tensor?, GuidanceConditions)"/>, the v-head
/// alone in <see cref="InstantaneousVelocity"/>) and gives both heads on pairs (<see cref="ForwardHeads"/>). As a
/// <see cref="DualVelocityField"/> the network is also a single-head field: <see cref="DualVelocityField.Forward"/>
/// is u without guidance.
/// </summary>
/// <remarks>
/// <para>The class holds no state: it registers no module, parameter or buffer, so the state-dict keys are the
/// backbone's own.</para>
/// <para>Every entry point checks z, r, t, the labels and the guidance before any native call (messages name the
/// argument and show its shape, dtype or device). The label range [0, K] is not read on the way in (that would stall a
/// GPU every call); a label out of range fails in the backbone's class embedding, and that failure is reported as an
/// <see cref="ArgumentOutOfRangeException"/> naming the labels and K.</para>
/// </remarks>
public abstract class TwoHeadDualVelocityField : DualVelocityField, ITangentGuidedVelocityField
{
    /// <summary>Creates the module.</summary>
    /// <param name="name">The module's name (TorchSharp's <c>nn.Module</c> name, e.g. <c>nameof(MyField)</c>).</param>
    private protected TwoHeadDualVelocityField(string name) : base(name) { }

    /// <inheritdoc />
    /// <remarks>Without it, the members that need v (<see cref="ForwardHeads"/>, <see cref="Velocities"/>,
    /// <see cref="VelocitiesWithTangent"/>, <see cref="InstantaneousVelocity"/>) throw
    /// <see cref="InvalidOperationException"/>, unless the backbone can still compute a v output (then they return it,
    /// untrained); the u-head alone always works.</remarks>
    public abstract bool HasInstantaneousHead { get; }

    /// <summary>Both heads on pairs: u(z, r, t | c, ω, t_min, t_max) and v(z, t | c, ω, t_min, t_max) on all B rows and,
    /// when the inputs carry tangents of their leading K rows, the JVP of each head on those rows.</summary>
    /// <param name="z">State z_t, shape (B, ...) as <see cref="DualVelocityField.Forward"/> takes it, with the network's
    /// dtype and device; tangent (K, ...) or none.</param>
    /// <param name="r">Start times, shape (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="t">End times, shape (B,), with the tangent rows of <paramref name="z"/>; r ≤ t.</param>
    /// <param name="labels">As for <see cref="DualVelocityField.Forward"/>: int64 (B,) in [0, K], K being the null
    /// class ∅, or <c>null</c> (∅ for every row) for a class-conditional network; <c>null</c> for an unconditional one.</param>
    /// <param name="guidance">ω and the interval [t_min, t_max] per row (B rows), z's dtype and device; constants for the
    /// tangent. Only the guidance inputs the network was built with are read; their values are not checked here.</param>
    /// <returns>u and v, each of z's shape (B, ...), with tangents (K, ...) when the inputs have tangents.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="guidance"/> (or z, r, t) is null.</exception>
    /// <exception cref="InvalidOperationException">The network has no v-head (<see cref="HasInstantaneousHead"/>) and
    /// cannot compute v.</exception>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit (the guidance's rows included), the
    /// inputs' tangents differ, or labels were given to an unconditional network.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public (Dual Average, Dual Instantaneous) ForwardHeads(Dual z, Dual r, Dual t, Tensor? labels, GuidanceConditions guidance)
    {
        ArgumentNullException.ThrowIfNull(guidance);
        RequireInstantaneousHead();
        var (u, v) = LabelChecked(labels, () => Run(z, r, t, labels, guidance, average: true, instantaneous: true, instantaneousTangent: true));
        return (u!, v!);
    }

    /// <inheritdoc />
    /// <remarks>The v-head is skipped (and need not exist). Shapes, labels and guidance as for <see cref="ForwardHeads"/>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="guidance"/> (or z, r, t) is null.</exception>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        ArgumentNullException.ThrowIfNull(guidance);
        using var scope = NewDisposeScope();
        var (u, _) = LabelChecked(labels, () =>
            Run(new Dual(z), new Dual(r), new Dual(t), labels, guidance, average: true, instantaneous: false, instantaneousTangent: false));
        return u!.Primal.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>The trunk and the v-head only (the u-head is skipped); the values are bit-identical to the v of
    /// <see cref="Velocities"/>(z, t, t, …). Shapes, labels and guidance as for <see cref="ForwardHeads"/>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="guidance"/> (or z, t) is null.</exception>
    /// <exception cref="InvalidOperationException">The network has no v-head and cannot compute v.</exception>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public Tensor InstantaneousVelocity(Tensor z, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        ArgumentNullException.ThrowIfNull(guidance);
        RequireInstantaneousHead();
        using var scope = NewDisposeScope();
        var (_, v) = LabelChecked(labels, () =>
            Run(new Dual(z), new Dual(t), new Dual(t), labels, guidance, average: false, instantaneous: true, instantaneousTangent: false));
        return v!.Primal.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>Shapes, labels and guidance as for <see cref="ForwardHeads"/>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="guidance"/> (or z, r, t) is null.</exception>
    /// <exception cref="InvalidOperationException">The network has no v-head and cannot compute v.</exception>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        ArgumentNullException.ThrowIfNull(guidance);
        RequireInstantaneousHead();
        using var scope = NewDisposeScope();
        var (u, v) = LabelChecked(labels, () =>
            Run(new Dual(z), new Dual(r), new Dual(t), labels, guidance, average: true, instantaneous: true, instantaneousTangent: false));
        return new TwoHeadVelocity(u!.Primal, v!.Primal).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>The v-head's tangent is not computed (the objective does not need it); <see cref="ForwardHeads"/> gives
    /// it. Shapes, labels and guidance as for <see cref="ForwardHeads"/>; K = <c>tangent.Rows</c> ≤ B.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="guidance"/> or <paramref name="tangent"/> (or z, r, t) is null.</exception>
    /// <exception cref="InvalidOperationException">The network has no v-head and cannot compute v.</exception>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, the tangent's included.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public (TwoHeadVelocity Value, Tensor AverageTangent) VelocitiesWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(guidance);
        RequireInstantaneousHead();
        ArgumentNullException.ThrowIfNull(tangent);
        using var scope = NewDisposeScope();
        var (u, v) = LabelChecked(labels, () => Run(new Dual(z, tangent.Z), new Dual(r, tangent.R), new Dual(t, tangent.T), labels, guidance,
            average: true, instantaneous: true, instantaneousTangent: false));
        var value = new TwoHeadVelocity(u!.Primal, v!.Primal).MoveToOuterDisposeScope();
        return (value, u.Tangent!.MoveToOuterDisposeScope());
    }

    /// <summary>One pass of the network on pairs: the input checks, the trunk, then the u-head when
    /// <paramref name="average"/> and the v-head when <paramref name="instantaneous"/>. <see cref="DualVelocityField.Forward"/>
    /// is this pass with <paramref name="guidance"/> <c>null</c> and the u-head alone.</summary>
    /// <param name="z">State, shape (B, ...), tangent (K, ...) or none.</param>
    /// <param name="r">Start times, shape (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="t">End times, shape (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="labels">As for <see cref="DualVelocityField.Forward"/>.</param>
    /// <param name="guidance">ω and the interval per row, checked against z's rows, dtype and device; <c>null</c> for no
    /// guidance (ω = 1 on [0, 1]).</param>
    /// <param name="average">Whether to evaluate the u-head; otherwise u is <c>null</c>.</param>
    /// <param name="instantaneous">Whether to evaluate the v-head; otherwise v is <c>null</c>. Asked only when
    /// <see cref="MissingInstantaneousHeadMessage"/> is <c>null</c>.</param>
    /// <param name="instantaneousTangent">Whether v carries the JVP on the tangent rows; otherwise the v-head reads the
    /// trunk's values only.</param>
    /// <returns>u and v, each (B, ...) with tangents (K, ...) as asked, <c>null</c> where not asked.</returns>
    private protected abstract (Dual? Average, Dual? Instantaneous) Run(Dual z, Dual r, Dual t, Tensor? labels, GuidanceConditions? guidance,
        bool average, bool instantaneous, bool instantaneousTangent);

    /// <summary>The message of the <see cref="InvalidOperationException"/> that the members needing v throw, naming the
    /// option that builds the v-head; <c>null</c> when the network can compute v.</summary>
    private protected abstract string? MissingInstantaneousHeadMessage { get; }

    private void RequireInstantaneousHead()
    {
        if (MissingInstantaneousHeadMessage is { } message) throw new InvalidOperationException(message);
    }
}
