using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>Euler's method: z_r = z_t + h·v(z_t, t), h = r − t. First order, one evaluation per step.</summary>
public sealed class EulerSolver : IOdeSolver
{
    /// <inheritdoc />
    public int EvaluationsPerStep => 1;

    /// <inheritdoc />
    public Tensor Step(IVelocityField field, Tensor z, double r, double t, Tensor? labels) =>
        z + (r - t) * field.InstantaneousVelocity(z, SamplerArguments.Times(t, z), labels);
}
