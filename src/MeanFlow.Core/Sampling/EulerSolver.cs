using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>Euler's method: z' = z + h·v(z, t), h = next − t. First order, one evaluation per step.</summary>
public sealed class EulerSolver : IOdeSolver
{
    /// <inheritdoc />
    public int EvaluationsPerStep => 1;

    /// <inheritdoc />
    public Tensor Step(IVelocityField field, Tensor z, double t, double next, Tensor? labels) =>
        z + (next - t) * field.InstantaneousVelocity(z, SamplerArguments.Times(t, z), labels);
}
