using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using MeanFlow.Internal;
using static TorchSharp.torch;

namespace MeanFlow.Training;

/// <summary>The global gradient norm and clipping by it (as PyTorch's <c>clip_grad_norm_</c>).</summary>
internal static class GradientNorm
{
    /// <summary>√(Σ_p ‖∇p‖²) over the parameters that have a gradient, in float64; 0 when none has one.</summary>
    internal static double Of(IEnumerable<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        var norms = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!.norm().to(ScalarType.Float64)).ToList();
        return norms.Count == 0 ? 0.0 : HostRead.Double(stack(norms).norm());
    }

    /// <summary>Scales every gradient by max / (norm + 1e-6) when that is below 1.</summary>
    /// <returns>The factor applied (1 when the norm was within the limit).</returns>
    internal static double Clip(IEnumerable<Parameter> parameters, double norm, double max)
    {
        var factor = max / (norm + 1e-6);
        if (factor >= 1) return 1.0;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var p in parameters)
            p.grad?.mul_(factor);
        return factor;
    }
}
