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
/// The MeanFlow objective (Geng et al. 2025): regress u_θ(z_t, r, t) onto
/// u_tgt = ṽ_t − (t − r)·(ṽ_t·∂_z u_θ + ∂_t u_θ), with loss mean_rows(sg(w)·‖u_θ − sg(u_tgt)‖²).
/// </summary>
/// <remarks>
/// <para>Composed of an <see cref="IProbabilityPath"/> (z_t and v_t), an <see cref="ITimeSampler"/> (r, t), an
/// <see cref="ILossWeighting"/> (w), an <see cref="IJvpEngine"/> (the total derivative), an <see cref="INormalizer"/>
/// (data to model space) and optional <see cref="ClassifierFreeGuidance"/> (ṽ_t). Defaults are the paper's.</para>
/// <para>Only rows with r ≠ t need the JVP (elsewhere t − r = 0 and u_tgt = ṽ_t). The batch is reordered so that
/// those rows lead, and the engine computes the tangent for that leading block only.</para>
/// </remarks>
public sealed class MeanFlowObjective : IObjective
{
    /// <summary>Creates the objective; every component is optional and defaults to the paper's choice.</summary>
    /// <param name="path">Path giving z_t and v_t; <c>null</c> for <see cref="AffinePath.Linear"/>.</param>
    /// <param name="timeSampler">(r, t) sampler; <c>null</c> for <see cref="MeanFlowTimeSampler"/> with its defaults.</param>
    /// <param name="weighting">Loss weighting; <c>null</c> for <see cref="AdaptiveLossWeighting"/> with its defaults.</param>
    /// <param name="jvp">JVP engine; <c>null</c> for <see cref="AutomaticJvp"/> (forward mode when the field supports it).</param>
    /// <param name="normalizer">Data normalizer; <c>null</c> for the identity.</param>
    /// <param name="guidance">Classifier-free guidance; <c>null</c> for none (labels are then passed through unchanged).</param>
    public MeanFlowObjective(
        IProbabilityPath? path = null,
        ITimeSampler? timeSampler = null,
        ILossWeighting? weighting = null,
        IJvpEngine? jvp = null,
        INormalizer? normalizer = null,
        ClassifierFreeGuidance? guidance = null)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        Path = path ?? AffinePath.Linear;
        TimeSampler = timeSampler ?? new MeanFlowTimeSampler();
        Weighting = weighting ?? new AdaptiveLossWeighting();
        Jvp = jvp ?? new AutomaticJvp();
        Normalizer = normalizer ?? new IdentityNormalizer();
        Guidance = guidance;
    }

    /// <summary>The probability path.</summary>
    public IProbabilityPath Path { get; }

    /// <summary>The (r, t) sampler.</summary>
    public ITimeSampler TimeSampler { get; }

    /// <summary>The loss weighting.</summary>
    public ILossWeighting Weighting { get; }

    /// <summary>The JVP engine.</summary>
    public IJvpEngine Jvp { get; }

    /// <summary>The data normalizer.</summary>
    public INormalizer Normalizer { get; }

    /// <summary>Classifier-free guidance, or <c>null</c>.</summary>
    public ClassifierFreeGuidance? Guidance { get; }

    /// <inheritdoc />
    public ObjectiveOutput Compute(IVelocityField field, Tensor x, Tensor? labels = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        return Compute(field, Draw(x, labels, generator)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public ObjectiveBatch Draw(Tensor x, Tensor? labels = null, Generator? generator = null)
    {
        Guard.Floating(x, nameof(x), minDims: 1);
        var b = x.shape[0];
        Guard.LabelsShape(labels, b, nameof(labels));
        if (labels is not null) Guard.SameDevice(x, nameof(x), labels, nameof(labels));
        var noise = RandomDraw.Normal(x.shape, x.dtype, x.device, generator);
        var times = TimeSampler.Sample(b, x.dtype, x.device, generator);
        CheckTimeSample(TimeSampler, times, x);
        var drop = labels is not null && Guidance is not null ? Guidance.DrawDropMask(b, x.device, generator) : null;
        // Drawn values are valid by construction: no value check (no host read); the field checks the labels' range.
        return new ObjectiveBatch(x, noise, times.R, times.T, labels, drop, times.LeadingDistinctRows, drawn: true);
    }

    /// <inheritdoc />
    public ObjectiveOutput Compute(IVelocityField field, ObjectiveBatch batch)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.DropMask is not null && Guidance is null)
            throw new ArgumentException("batch.DropMask is set but this objective has no guidance (and so no null class).", nameof(batch));
        if (batch.Labels is not null && Guidance is not null && !batch.Drawn)
            Guard.Labels(batch.Labels, batch.Rows, Guidance.NullClass + 1, "batch.Labels");

        using var scope = NewDisposeScope();
        var rows = DistinctRowsFirst.Of(batch);
        var x = Normalizer.Normalize(rows.X);
        var sample = Path.Sample(x, rows.Noise, rows.T);
        PathSamples.Check(Path, sample, x);
        var labels = rows.LabelsAfterDrop(Guidance);
        var velocity = GuidedVelocity(field, sample, rows, labels);

        var k = rows.DistinctCount;
        var jvp = Jvp.Compute(field, sample.Z, rows.R, rows.T, labels,
            InputTangent.AlongTrajectory(velocity.narrow(0, 0, k)));

        // u_tgt = ṽ_t − (t − r)·du/dt on the leading k rows; u_tgt = ṽ_t elsewhere.
        var target = velocity.clone();
        if (k > 0)
        {
            var interval = TensorRows.Broadcast((rows.T - rows.R).narrow(0, 0, k), jvp.Tangent);
            target.narrow(0, 0, k).sub_(interval * jvp.Tangent);
        }
        target = target.detach();

        var error = jvp.Value - target;
        var squaredError = TensorRows.SquaredNorm(error);
        var weights = Weighting.Weights(squaredError.detach(), rows.R, rows.T);
        var loss = (weights * squaredError).mean();
        using var noGrad = no_grad();
        return new ObjectiveOutput(loss, error.detach().square().mean(), weights.mean(), k,
            rows.Restore(jvp.Value.detach()), rows.Restore(target)).MoveToOuterDisposeScope();
    }

    /// <summary>A user's time sampler must return r and t of shape (B,) in the data's dtype and device (no values read).</summary>
    internal static void CheckTimeSample(ITimeSampler sampler, TimeSample times, Tensor x)
    {
        if (times is null)
            throw new InvalidOperationException($"{sampler.GetType().Name}.Sample returned null.");
        var b = x.shape[0];
        foreach (var (time, name) in new[] { (times.R, "r"), (times.T, "t") })
            if (time.dim() != 1 || time.shape[0] != b || time.dtype != x.dtype || time.device.type != x.device.type || time.device.index != x.device.index)
                throw new InvalidOperationException(
                    $"{sampler.GetType().Name}.Sample must return {name} of shape [{b}], dtype {x.dtype} on {x.device}; got {time.dtype} {Guard.Shape(time)} on {time.device}.");
    }

    /// <summary>ṽ_t: v_t, or the guided mixture on rows inside the guidance interval whose label was kept.</summary>
    private Tensor GuidedVelocity(IVelocityField field, PathSample sample, DistinctRowsFirst rows, Tensor? labels)
    {
        if (Guidance is null || !Guidance.ChangesTarget || labels is null) return sample.Velocity;
        using var noGrad = no_grad();
        // One call evaluates u(z, t, t | c) and u(z, t, t | ∅) on every row, and `where` keeps the mixture on the guided
        // rows: finding those rows first (nonzero) would read the device.
        var b = sample.Z.shape[0];
        var both = field.AverageVelocity(cat(new[] { sample.Z, sample.Z }), cat(new[] { rows.T, rows.T }), cat(new[] { rows.T, rows.T }),
            cat(new[] { labels, full_like(labels, Guidance.NullClass) }));
        var uConditional = both.narrow(0, 0, b);
        var uUnconditional = both.narrow(0, b, b);
        var omega = Guidance.Scale;
        var kappa = Guidance.Mixing;
        var mixed = sample.Velocity * omega + uConditional * kappa + uUnconditional * (1 - omega - kappa);
        var guided = TensorRows.Broadcast(Guidance.GuidedRows(rows.T, rows.DropMask), mixed);
        return where(guided, mixed, sample.Velocity);
    }
}
