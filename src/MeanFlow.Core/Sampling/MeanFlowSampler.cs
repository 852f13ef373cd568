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
        Grid = grid ?? throw new System.ArgumentNullException(nameof(grid));
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
}
