using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>The global gradient norm and clipping by it (as PyTorch's <c>clip_grad_norm_</c>), on the device: nothing is
/// read back to the host, so a training step need not wait for the device.</summary>
internal static class GradientNorm
{
    /// <summary>√(Σ_p ‖∇p‖²) over the parameters that have a gradient, a float64 scalar on their device; 0 when none has one.</summary>
    internal static Tensor Of(IReadOnlyList<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        var norms = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!.norm().to(ScalarType.Float64)).ToList();
        var norm = norms.Count == 0 ? zeros(1, dtype: ScalarType.Float64, device: parameters[0].device).squeeze() : stack(norms).norm();
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>Scales every gradient by min(1, max / (norm + 1e-6)); a factor of 1 leaves them bit for bit.</summary>
    /// <returns>The factor applied, a float64 scalar.</returns>
    internal static Tensor Clip(IEnumerable<Parameter> parameters, Tensor norm, double max)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var factor = (max / (norm + 1e-6)).clamp_max(1.0);
        foreach (var p in parameters)
            p.grad?.mul_(factor.to(p.grad.dtype));
        return factor.MoveToOuterDisposeScope();
    }
}
