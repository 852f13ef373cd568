using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Sampling;

/// <summary>Turns prior noise into samples with a velocity field.</summary>
public interface ISampler
{
    /// <summary>Network evaluations per sample.</summary>
    int FunctionEvaluations { get; }

    /// <summary>Transports noise at t = 1 to samples at t = 0 (in the model's normalized space).</summary>
    /// <param name="field">The field.</param>
    /// <param name="noise">ε, shape (B, ...), floating point.</param>
    /// <param name="labels">Class labels, int64 (B,), or <c>null</c>.</param>
    /// <returns>Samples, shape of <paramref name="noise"/>, without autograd graph.</returns>
    Tensor Sample(IVelocityField field, Tensor noise, Tensor? labels = null);
}
