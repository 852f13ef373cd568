using static TorchSharp.torch;

namespace MeanFlow.Paths;

/// <summary>
/// The coefficients of an affine path z_t = a_t·x + b_t·ε between data x (t = 0) and noise ε (t = 1),
/// with their time derivatives. Schedules must satisfy a_0 = 1, b_0 = 0, a_1 = 0, b_1 = 1.
/// </summary>
public interface ISchedule
{
    /// <summary>Evaluates a_t, b_t, a'_t and b'_t.</summary>
    /// <param name="t">Times, any shape (usually (B,)), floating point.</param>
    /// <returns>Four tensors of the shape of <paramref name="t"/>.</returns>
    ScheduleCoefficients Evaluate(Tensor t);
}
