using static TorchSharp.torch;

namespace MeanFlow.Paths;

/// <summary>The linear ("conditional optimal transport", rectified-flow) schedule a_t = 1 − t, b_t = t,
/// whose conditional velocity is v_t = ε − x. The default of MeanFlow.</summary>
public sealed class LinearSchedule : ISchedule
{
    /// <inheritdoc />
    public ScheduleCoefficients Evaluate(Tensor t) =>
        new(1 - t, t.clone(), full_like(t, -1.0), ones_like(t));
}
