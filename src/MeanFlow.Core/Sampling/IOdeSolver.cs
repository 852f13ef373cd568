using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>One step of a fixed-step ODE solver for dz/dt = v(z, t), with v(z, t) = u(z, t, t).</summary>
public interface IOdeSolver
{
    /// <summary>Velocity evaluations per step.</summary>
    int EvaluationsPerStep { get; }

    /// <summary>Advances z from time <paramref name="t"/> to time <paramref name="r"/> (towards the data when sampling, r &lt; t).</summary>
    /// <param name="field">The field; only its instantaneous velocity is used.</param>
    /// <param name="z">State at <paramref name="t"/>, shape (B, ...).</param>
    /// <param name="r">Time the step ends at.</param>
    /// <param name="t">Current time, that of <paramref name="z"/>.</param>
    /// <param name="labels">Labels, int64 (B,), or <c>null</c>.</param>
    /// <returns>The state at <paramref name="r"/>.</returns>
    Tensor Step(IVelocityField field, Tensor z, double r, double t, Tensor? labels);
}
