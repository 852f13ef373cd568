using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>The explicit midpoint method: second order, two evaluations per step.</summary>
public sealed class MidpointSolver : IOdeSolver
{
    /// <inheritdoc />
    public int EvaluationsPerStep => 2;

    /// <inheritdoc />
    public Tensor Step(IVelocityField field, Tensor z, double r, double t, Tensor? labels)
    {
        var h = r - t;
        var v1 = field.InstantaneousVelocity(z, SamplerArguments.Times(t, z), labels);
        var middle = z + (h / 2) * v1;
        var v2 = field.InstantaneousVelocity(middle, SamplerArguments.Times(t + h / 2, z), labels);
        return z + h * v2;
    }
}
