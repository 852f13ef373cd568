using System;
using static TorchSharp.torch;

namespace MeanFlow.Paths;

/// <summary>
/// The cosine (trigonometric, variance-preserving) schedule a_t = cos(πt/2), b_t = sin(πt/2):
/// a_t² + b_t² = 1 for every t.
/// </summary>
public sealed class CosineSchedule : ISchedule
{
    /// <inheritdoc />
    public ScheduleCoefficients Evaluate(Tensor t)
    {
        var angle = t * (Math.PI / 2);
        var cos = angle.cos();
        var sin = angle.sin();
        return new ScheduleCoefficients(cos, sin, sin * (-Math.PI / 2), cos * (Math.PI / 2));
    }
}
