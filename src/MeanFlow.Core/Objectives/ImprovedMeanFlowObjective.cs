using System;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Internal;
using MeanFlow.Jvp;
using MeanFlow.Losses;
using MeanFlow.Normalization;
using MeanFlow.Paths;
using MeanFlow.TimeSampling;
using static TorchSharp.torch;

namespace MeanFlow.Objectives;

/// <summary>
/// The improved MeanFlow objective (iMF; Geng et al. 2025b, arXiv 2512.02012; official code Lyy-iiis/imeanflow
/// <c>imf.py</c>) for a two-head, guidance-conditioned field (<see cref="IGuidedVelocityField"/>):
/// <code>
/// v_g = v_t + (1 − 1/ω′)·(v_c − v_u)                      (dropped labels: v_g = v_t)
/// V   = u_θ(z_t, r, t) + (t − r)·sg(JVP(u_θ; (z, r, t), (v_c, 0, 1)))
/// L   = mean_rows( sg(w(‖V − v_g‖²))·‖V − sg(v_g)‖² + sg(w(‖v_θ − v_g‖²))·‖v_θ − sg(v_g)‖² )
/// </code>
/// where v_c and v_u are the field's own v-head at r = t, without gradient, with the label and the null class
/// (v_u at ω = 1), both on the interval [0, 1]; ω′ = ω on rows with r = t and, on rows with r ≠ t, ω inside
/// [t_min, t_max] and 1 outside it (guidance off). The JVP's tangent is the model's conditional v_c, not e − x.
/// </summary>
/// <remarks>
/// <para>Composed like <see cref="MeanFlowObjective"/>: an <see cref="IProbabilityPath"/> (z_t, v_t), an
/// <see cref="ITimeSampler"/>, an <see cref="ILossWeighting"/> (applied to both losses), an <see cref="IGuidedJvpEngine"/>, an
/// <see cref="INormalizer"/> and a <see cref="GuidanceConditionSampler"/>. The defaults are the official ones:
/// logit-normal(−0.4, 1) times with r = t on half the rows, adaptive weights 1/(‖·‖² + 0.01), ω ∈ [1, 8] ∝ 1/ω,
/// t_min ~ U[0, 0.5], t_max ~ U[0.5, 1], label drop 10 %.</para>
/// <para>Cost: the no-gradient v-head passes are one call of <see cref="IGuidedVelocityField.InstantaneousVelocity"/> on
/// the batch stacked twice (every row with its label, then with the null class at ω = 1); <c>where</c> keeps the guided
/// target on the guided rows, so the shapes are fixed and the step makes no host read. Without labels only the K rows
/// with r ≠ t are evaluated (their v_c is the tangent). The JVP covers the leading block of rows with r ≠ t, as in
/// <see cref="MeanFlowObjective"/>. Measured step cost: docs/articles/performance.md.</para>
/// <para>As an <see cref="IObjective"/> (for <c>Trainer</c>), the field must also be an <see cref="IGuidedVelocityField"/>
/// (wrap a single-head field in <see cref="SingleHeadGuidedField"/> to train it this way); the loss is reported as an
/// <see cref="ObjectiveOutput"/> whose prediction is u_θ and target u_tgt = v_g − (t − r)·du/dt. Its explicit
/// <see cref="ObjectiveBatch"/> entry point has no guidance to read and evaluates every row at ω = 1 on [0, 1].</para>
/// </remarks>
public sealed class ImprovedMeanFlowObjective : IObjective
{
    /// <summary>Creates the objective; every component is optional and defaults to the official iMF choice.</summary>
    /// <param name="path">Path giving z_t and v_t; <c>null</c> for <see cref="AffinePath.Linear"/>.</param>
    /// <param name="timeSampler">(r, t) sampler; <c>null</c> for <see cref="MeanFlowTimeSampler"/> with logit-normal(−0.4, 1)
    /// and exactly half the rows (rounded down) at r = t.</param>
    /// <param name="weighting">Weighting of both losses; <c>null</c> for <see cref="AdaptiveLossWeighting"/>(p = 1, c = 0.01).</param>
    /// <param name="jvp">JVP engine; <c>null</c> for <see cref="AutomaticJvp"/> (forward mode when the field is an
    /// <see cref="ITangentGuidedVelocityField"/>, else exact double backward).</param>
    /// <param name="normalizer">Data normalizer; <c>null</c> for the identity.</param>
    /// <param name="guidance">The training guidance draws; <c>null</c> for <see cref="GuidanceConditionSampler"/> with its
    /// defaults and no null class (unconditional training: labels are refused).</param>
    public ImprovedMeanFlowObjective(
        IProbabilityPath? path = null,
        ITimeSampler? timeSampler = null,
        ILossWeighting? weighting = null,
        IGuidedJvpEngine? jvp = null,
        INormalizer? normalizer = null,
        GuidanceConditionSampler? guidance = null)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        Path = path ?? AffinePath.Linear;
        TimeSampler = timeSampler ?? new MeanFlowTimeSampler(new LogitNormalTimeDistribution(-0.4, 1.0), distinctFraction: 0.5);
        Weighting = weighting ?? new AdaptiveLossWeighting(1.0, 0.01);
        Jvp = jvp ?? new AutomaticJvp();
        Normalizer = normalizer ?? new IdentityNormalizer();
        Guidance = guidance ?? new GuidanceConditionSampler();
    }

    /// <summary>The probability path.</summary>
    public IProbabilityPath Path { get; }

    /// <summary>The (r, t) sampler.</summary>
    public ITimeSampler TimeSampler { get; }

    /// <summary>The weighting of both losses.</summary>
    public ILossWeighting Weighting { get; }

    /// <summary>The JVP engine.</summary>
    public IGuidedJvpEngine Jvp { get; }

    /// <summary>The data normalizer.</summary>
    public INormalizer Normalizer { get; }

    /// <summary>The training guidance draws (ω, interval, label drop, null class).</summary>
    public GuidanceConditionSampler Guidance { get; }

    /// <summary>Draws noise, times, guidance and label drops for <paramref name="x"/> (in that order) and evaluates the loss.</summary>
    /// <param name="field">The field being trained; needs its v-head.</param>
    /// <param name="x">Data (before normalization), shape (B, ...).</param>
    /// <param name="labels">Class labels, int64 (B,) in [0, null class), or <c>null</c>.</param>
    /// <param name="generator">Random generator for every draw, or <c>null</c> for the global one.</param>
    /// <returns>The loss and diagnostics; the caller disposes it (or lets a dispose scope do so).</returns>
    public ImprovedMeanFlowOutput Compute(IGuidedVelocityField field, Tensor x, Tensor? labels = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        return Compute(field, DrawGuided(x, labels, generator)).MoveToOuterDisposeScope();
    }

    /// <summary>Draws the random quantities of one evaluation: noise, (r, t), guidance (ω, t_min, t_max) and, when there
    /// are labels, the drop mask.</summary>
    /// <param name="x">Data (before normalization), shape (B, ...).</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c>.</param>
    /// <param name="generator">Random generator, or <c>null</c>.</param>
    /// <returns>The explicit batch.</returns>
    /// <exception cref="ArgumentException">Labels were given but <see cref="Guidance"/> has no null class.</exception>
    public GuidedObjectiveBatch DrawGuided(Tensor x, Tensor? labels = null, Generator? generator = null)
    {
        Guard.Floating(x, nameof(x), minDims: 1);
        if (labels is not null) RequireNullClass(nameof(labels));
        var b = x.shape[0];
        Guard.LabelsShape(labels, b, nameof(labels));
        if (labels is not null) Guard.SameDevice(x, nameof(x), labels, nameof(labels));
        var noise = RandomDraw.Normal(x.shape, x.dtype, x.device, generator);
        var times = TimeSampler.Sample(b, x.dtype, x.device, generator);
        MeanFlowObjective.CheckTimeSample(TimeSampler, times, x);
        var guidance = Guidance.Sample(times.R, times.T, generator);
        var drop = labels is not null ? Guidance.DrawDropMask(b, x.device, generator) : null;
        // Drawn values are valid by construction: no value check (no host read), and the sampler's count of leading
        // rows with r ≠ t is kept; the field checks the labels' range.
        return new GuidedObjectiveBatch(new ObjectiveBatch(x, noise, times.R, times.T, labels, drop, times.LeadingDistinctRows, drawn: true),
            guidance, drawn: true);
    }

    /// <summary>Evaluates the loss on an explicit batch: a deterministic function of its inputs (the explicit entry point
    /// that an independent computation, such as the official <c>imf.py</c> step with its draws given, can check).</summary>
    /// <param name="field">The field being trained; needs its v-head.</param>
    /// <param name="batch">Data, noise, times, labels, drop mask, ω and interval per row.</param>
    /// <returns>The loss and diagnostics.</returns>
    /// <exception cref="ArgumentException">The field has no v-head; labels were given without a null class in
    /// <see cref="Guidance"/>; or a drop mask without labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, null class].</exception>
    public ImprovedMeanFlowOutput Compute(IGuidedVelocityField field, GuidedObjectiveBatch batch)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(batch);
        if (!field.HasInstantaneousHead)
            throw new ArgumentException(
                $"{field.GetType().Name} has no v-head (an inference-only network); improved MeanFlow trains both heads and needs it.", nameof(field));
        long? nullClass = null;
        if (batch.Batch.Labels is not null)
        {
            nullClass = RequireNullClass(nameof(batch));
            if (!batch.Batch.Drawn) Guard.Labels(batch.Batch.Labels, batch.Rows, nullClass.Value + 1, "batch.Labels");
        }

        using var scope = NewDisposeScope();
        var rows = DistinctRowsFirst.Of(batch.Batch);
        var guidance = new GuidanceConditions(rows.Reorder(batch.Guidance.Scale), rows.Reorder(batch.Guidance.IntervalStart),
            rows.Reorder(batch.Guidance.IntervalEnd));
        var x = Normalizer.Normalize(rows.X);
        var sample = Path.Sample(x, rows.Noise, rows.T);
        PathSamples.Check(Path, sample, x);
        var k = rows.DistinctCount;
        var seenLabels = nullClass is { } n && rows.DropMask is not null
            ? where(rows.DropMask, full_like(rows.Labels!, n), rows.Labels!) : rows.Labels;

        var (target, conditional) = GuidedTarget(field, sample, rows, guidance, nullClass);
        var jvp = Jvp.Compute(field, sample.Z, rows.R, rows.T, seenLabels, guidance, InputTangent.AlongTrajectory(conditional));
        if (jvp.AverageTangent.shape[0] != k)
            throw new InvalidOperationException($"{Jvp.GetType().Name} returned a tangent of {jvp.AverageTangent.shape[0]} rows for {k} tangent rows.");
        var u = jvp.Value.Average;
        var v = jvp.Value.Instantaneous;

        // V = u + (t − r)·sg(du/dt); du/dt is known on the leading k rows, and t − r = 0 on the others.
        var totalDerivative = zeros_like(u);
        if (k > 0) totalDerivative.narrow(0, 0, k).copy_(jvp.AverageTangent);
        var interval = TensorRows.Broadcast(rows.T - rows.R, u);
        var compound = u + interval * totalDerivative;

        var averageError = compound - target;
        var instantaneousError = v - target;
        var averageSquared = TensorRows.SquaredNorm(averageError);
        var instantaneousSquared = TensorRows.SquaredNorm(instantaneousError);
        var averageWeights = Weighting.Weights(averageSquared.detach(), rows.R, rows.T);
        var instantaneousWeights = Weighting.Weights(instantaneousSquared.detach(), rows.R, rows.T);
        var averageLoss = (averageWeights * averageSquared).mean();
        var instantaneousLoss = (instantaneousWeights * instantaneousSquared).mean();
        var loss = averageLoss + instantaneousLoss;
        using var noGrad = no_grad();
        return new ImprovedMeanFlowOutput(loss, averageLoss, instantaneousLoss, averageError.detach().square().mean(),
            instantaneousError.detach().square().mean(), averageWeights.mean(), k,
            rows.Restore(u.detach()), rows.Restore(compound.detach()), rows.Restore(v.detach()), rows.Restore(target),
            rows.Restore(target - interval * totalDerivative)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="field"/> is not an <see cref="IGuidedVelocityField"/>.</exception>
    ObjectiveOutput IObjective.Compute(IVelocityField field, Tensor x, Tensor? labels, Generator? generator)
    {
        using var scope = NewDisposeScope();
        return AsObjectiveOutput(Compute(Guided(field), x, labels, generator)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>Returns the data, noise, times, labels and drop mask; the guidance drawn with them is not part of an
    /// <see cref="ObjectiveBatch"/> (use <see cref="DrawGuided"/> to keep it).</remarks>
    ObjectiveBatch IObjective.Draw(Tensor x, Tensor? labels, Generator? generator) => DrawGuided(x, labels, generator).Batch;

    /// <inheritdoc />
    /// <remarks>An <see cref="ObjectiveBatch"/> carries no guidance: every row is evaluated at ω = 1 on [0, 1].</remarks>
    ObjectiveOutput IObjective.Compute(IVelocityField field, ObjectiveBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var none = GuidanceConditions.None(batch.Rows, batch.X.dtype, batch.X.device);
        return AsObjectiveOutput(Compute(Guided(field), new GuidedObjectiveBatch(batch, none, drawn: true))).MoveToOuterDisposeScope();   // None is valid: not read
    }

    private static IGuidedVelocityField Guided(IVelocityField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field as IGuidedVelocityField ?? throw new ArgumentException(
            $"Improved MeanFlow trains two-head fields: {field.GetType().Name} is not an {nameof(IGuidedVelocityField)}. " +
            $"Wrap a single-head field in {nameof(SingleHeadGuidedField)} to use u(z, t, t) as its v-head.", nameof(field));
    }

    private static ObjectiveOutput AsObjectiveOutput(ImprovedMeanFlowOutput o) =>
        new(o.Loss, o.AverageSquaredError, o.MeanWeight, o.DistinctRows, o.Average, o.AverageTarget);

    private long RequireNullClass(string argument) => Guidance.NullClass ?? throw new ArgumentException(
        "Labels were given but the guidance sampler has no null class: create the objective with " +
        $"new {nameof(GuidanceConditionSampler)}(nullClass: <number of classes>) to train a conditional field.", argument);

    /// <summary>v_g on every row and v_c on the leading k rows (the JVP's tangent), from one no-gradient pass of the v-head
    /// alone (<see cref="IGuidedVelocityField.InstantaneousVelocity"/>) with fixed shapes and no host read: with labels, the
    /// conditional and the null-class velocities of all B rows in one call on the batch stacked twice (2B rows), the
    /// guided target kept with <c>where</c> on the guided rows; without labels (v_g = v_t), the conditional velocity of the
    /// k tangent rows only.</summary>
    private static (Tensor Target, Tensor Conditional) GuidedTarget(IGuidedVelocityField field, PathSample sample,
        DistinctRowsFirst rows, GuidanceConditions guidance, long? nullClass)
    {
        using var noGrad = no_grad();
        var b = rows.T.shape[0];
        var k = rows.DistinctCount;
        var leading = arange(b, device: rows.T.device).lt(k);                           // rows with r ≠ t
        var inside = rows.T.ge(guidance.IntervalStart).logical_and(rows.T.le(guidance.IntervalEnd));
        // ω′: the drawn ω on flow-matching rows (no interval there), ω masked to 1 outside the interval elsewhere.
        var scale = where(leading.logical_and(inside.logical_not()), ones_like(guidance.Scale), guidance.Scale);
        if (nullClass is null || rows.Labels is null)
        {
            // No labels: v_c = v_u, so v_g = v_t; v_c is needed only as the tangent of the k leading rows.
            if (k == 0) return (sample.Velocity, sample.Velocity.narrow(0, 0, 0));
            var leadingScale = scale.narrow(0, 0, k);
            var leadingPass = new GuidanceConditions(leadingScale, zeros_like(leadingScale), ones_like(leadingScale));
            var tangent = field.InstantaneousVelocity(sample.Z.narrow(0, 0, k), rows.T.narrow(0, 0, k), null, leadingPass);
            return (sample.Velocity, tangent);
        }

        var guided = scale.ne(1.0);
        if (rows.DropMask is not null) guided = guided.logical_and(rows.DropMask.logical_not());
        // Rows 0 … B − 1: conditional at ω′; rows B … 2B − 1: null class at ω = 1; all on [0, 1] at r = t (h = 0, as
        // imf.py's v pass).
        var z = cat(new[] { sample.Z, sample.Z });
        var t = cat(new[] { rows.T, rows.T });
        var labels = cat(new[] { rows.Labels, full_like(rows.Labels, nullClass.Value) });
        var passScale = cat(new[] { scale, ones_like(scale) });
        var pass = new GuidanceConditions(passScale, zeros_like(passScale), ones_like(passScale));
        var velocities = field.InstantaneousVelocity(z, t, labels, pass);
        var conditional = velocities.narrow(0, 0, b);
        var unconditional = velocities.narrow(0, b, b);
        var factor = TensorRows.Broadcast(1 - scale.reciprocal(), sample.Velocity);
        var target = where(TensorRows.Broadcast(guided, sample.Velocity), sample.Velocity + factor * (conditional - unconditional), sample.Velocity);
        return (target, conditional.narrow(0, 0, k));
    }
}
