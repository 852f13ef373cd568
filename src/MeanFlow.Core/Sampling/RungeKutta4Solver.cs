using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>The classical fourth-order Runge–Kutta method: four evaluations per step.</summary>
public sealed class RungeKutta4Solver : IOdeSolver
{
    /// <inheritdoc />
    public int EvaluationsPerStep => 4;

    /// <inheritdoc />
    public Tensor Step(IVelocityField field, Tensor z, double r, double t, Tensor? labels)
    {
        var h = r - t;
        var k1 = field.InstantaneousVelocity(z, SamplerArguments.Times(t, z), labels);
        var k2 = field.InstantaneousVelocity(z + (h / 2) * k1, SamplerArguments.Times(t + h / 2, z), labels);
        var k3 = field.InstantaneousVelocity(z + (h / 2) * k2, SamplerArguments.Times(t + h / 2, z), labels);
        var k4 = field.InstantaneousVelocity(z + h * k3, SamplerArguments.Times(r, z), labels);
        return z + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
}
