using System;
using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>
/// Samples a flow-matching model by integrating dz/dt = v(z, t) from t = 1 to 0 with a fixed-step solver.
/// Also integrates any trajectory of a field between two times (the flow map).
/// </summary>
public sealed class OdeSampler : ISampler
{
    /// <summary>Creates a sampler with <paramref name="steps"/> equal steps.</summary>
    /// <param name="solver">The solver; <c>null</c> for <see cref="EulerSolver"/>.</param>
    /// <param name="steps">Steps ≥ 1. The default is 50.</param>
    public OdeSampler(IOdeSolver? solver = null, int steps = 50) : this(solver, TimeGrid.Uniform(steps)) { }

    /// <summary>Creates a sampler on a custom grid.</summary>
    /// <param name="solver">The solver; <c>null</c> for <see cref="EulerSolver"/>.</param>
    /// <param name="grid">The time grid.</param>
    public OdeSampler(IOdeSolver? solver, TimeGrid grid)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        Solver = solver ?? new EulerSolver();
        Grid = grid ?? throw new ArgumentNullException(nameof(grid));
    }

    /// <summary>The solver.</summary>
    public IOdeSolver Solver { get; }

    /// <summary>The time grid.</summary>
    public TimeGrid Grid { get; }

    /// <inheritdoc />
    public int FunctionEvaluations => Grid.Steps * Solver.EvaluationsPerStep;

    /// <inheritdoc />
    public Tensor Sample(IVelocityField field, Tensor noise, Tensor? labels = null)
    {
        SamplerArguments.Check(field, noise, labels);
        using var noGrad = no_grad();
        var z = noise;
        for (var i = 0; i < Grid.Steps; i++)
        {
            using var scope = NewDisposeScope();
            var next = Solver.Step(field, z, r: Grid.Times[i + 1], t: Grid.Times[i], labels);
            if (!ReferenceEquals(z, noise)) z.Dispose();
            z = next.MoveToOuterDisposeScope();
        }
        return z;
    }
}
