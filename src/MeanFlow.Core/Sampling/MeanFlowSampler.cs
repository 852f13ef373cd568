using System;
using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>
/// MeanFlow's sampler: z_r = z_t − (t − r)·u(z_t, r, t) over a time grid. With a single step,
/// a sample is x = ε − u(ε, 0, 1): one network evaluation.
/// </summary>
public sealed class MeanFlowSampler : ISampler
{
    /// <summary>Creates a sampler with <paramref name="steps"/> equal steps.</summary>
    /// <param name="steps">Number of steps ≥ 1. The default is 1 (1-NFE).</param>
    public MeanFlowSampler(int steps = 1) : this(TimeGrid.Uniform(steps)) { }

    /// <summary>Creates a sampler on a custom time grid.</summary>
    /// <param name="grid">Decreasing times; usually from 1 to 0.</param>
    public MeanFlowSampler(TimeGrid grid)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        Grid = grid ?? throw new ArgumentNullException(nameof(grid));
    }

    /// <summary>The time grid.</summary>
    public TimeGrid Grid { get; }

    /// <inheritdoc />
    public int FunctionEvaluations => Grid.Steps;

    /// <inheritdoc />
    public Tensor Sample(IVelocityField field, Tensor noise, Tensor? labels = null)
    {
        SamplerArguments.Check(field, noise, labels);
        using var noGrad = no_grad();
        var z = noise;
        for (var i = 0; i < Grid.Steps; i++)
        {
            using var scope = NewDisposeScope();
            double t = Grid.Times[i], r = Grid.Times[i + 1];
            var u = field.AverageVelocity(z, r: SamplerArguments.Times(r, z), t: SamplerArguments.Times(t, z), labels);
            var next = z - (t - r) * u;
            if (!ReferenceEquals(z, noise)) z.Dispose();
            z = next.MoveToOuterDisposeScope();
        }
        return z;
    }

    /// <summary>Transports noise to samples with a two-head, guidance-conditioned field (improved MeanFlow): 
    /// z_r = z_t − (t − r)·u(z_t, r, t | c, ω, t_min, t_max), with the guidance chosen here, at sampling time.</summary>
    /// <param name="field">The field; only its u-head is used.</param>
    /// <param name="noise">ε, shape (B, ...), floating point.</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c>.</param>
    /// <param name="scale">ω ≥ 1. The default is 1 (no guidance).</param>
    /// <param name="intervalStart">t_min in [0, 1]. The default is 0.</param>
    /// <param name="intervalEnd">t_max in [t_min, 1]. The default is 1.</param>
    /// <returns>Samples, shape of <paramref name="noise"/>, without autograd graph.</returns>
    /// <exception cref="ArgumentOutOfRangeException">ω &lt; 1, or the interval is not within [0, 1] with t_min ≤ t_max.</exception>
    public Tensor SampleGuided(IGuidedVelocityField field, Tensor noise, Tensor? labels = null, double scale = 1.0,
        double intervalStart = 0.0, double intervalEnd = 1.0)
    {
        ArgumentNullException.ThrowIfNull(field);
        SamplerArguments.Check(noise, labels);
        using var noGrad = no_grad();
        using var guidance = new DisposableGuidance(GuidanceConditions.Constant(noise.shape[0], scale, intervalStart, intervalEnd, noise.dtype, noise.device));
        var z = noise;
        for (var i = 0; i < Grid.Steps; i++)
        {
            using var scope = NewDisposeScope();
            double t = Grid.Times[i], r = Grid.Times[i + 1];
            var u = field.AverageVelocity(z, SamplerArguments.Times(r, z), SamplerArguments.Times(t, z), labels, guidance.Value);   // the u-head alone
            var next = z - (t - r) * u;
            if (!ReferenceEquals(z, noise)) z.Dispose();
            z = next.MoveToOuterDisposeScope();
        }
        return z;
    }

    private sealed class DisposableGuidance(GuidanceConditions value) : IDisposable
    {
        internal GuidanceConditions Value { get; } = value;

        public void Dispose()
        {
            Value.Scale.Dispose();
            Value.IntervalStart.Dispose();
            Value.IntervalEnd.Dispose();
        }
    }
}
