using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>Heun's method (explicit trapezoid): second order, two evaluations per step.</summary>
public sealed class HeunSolver : IOdeSolver
{
    /// <inheritdoc />
    public int EvaluationsPerStep => 2;

    /// <inheritdoc />
    public Tensor Step(IVelocityField field, Tensor z, double r, double t, Tensor? labels)
    {
        var h = r - t;
        var v1 = field.InstantaneousVelocity(z, SamplerArguments.Times(t, z), labels);
        var predicted = z + h * v1;
        var v2 = field.InstantaneousVelocity(predicted, SamplerArguments.Times(r, z), labels);
        return z + (h / 2) * (v1 + v2);
    }
}
