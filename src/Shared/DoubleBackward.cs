using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Internal;

/// <summary>
/// The exact Jacobian-vector product of any differentiable function by the double-backward identity: with
/// g(w) = Jᵀw built with <c>create_graph</c>, J·d = ∂⟨g(w), d⟩/∂w. TorchSharp has no forward-mode autodiff; this
/// is the reference every forward-mode tangent here is checked against.
/// </summary>
/// <remarks>From what was measured about TorchSharp 0.107: inputs the function ignores are requested with
/// <c>allow_unused</c> and count as zero (a missing gradient otherwise ends the process from native code), a function
/// whose output has no graph is answered with zeros before <c>autograd.grad</c> is called (asking for it aborts), and
/// <c>retain_graph</c> is passed explicitly.</remarks>
internal static class DoubleBackward
{
    /// <summary>J·d of <paramref name="f"/> at <paramref name="at"/> along <paramref name="directions"/>, without graph.</summary>
    /// <param name="f">The function; it receives detached copies of <paramref name="at"/> that require gradients.</param>
    /// <param name="at">The point, one tensor per input.</param>
    /// <param name="directions">d, one tensor per input, shaped like it.</param>
    /// <returns>Shaped like f's output.</returns>
    internal static Tensor Jvp(Func<Tensor[], Tensor> f, Tensor[] at, Tensor[] directions)
    {
        using var grad = enable_grad();
        var inputs = at.Select(a => a.detach().requires_grad_(true)).ToArray();
        var y = f(inputs);
        if (!y.requires_grad) return zeros_like(y);     // y does not depend on the inputs
        var w = zeros_like(y).requires_grad_(true);
        var g = torch.autograd.grad(new[] { y }, inputs, new[] { w }, retain_graph: true, create_graph: true, allow_unused: true);
        Tensor? inner = null;                           // ⟨Jᵀw, d⟩ over the inputs y depends on
        for (var i = 0; i < inputs.Length; i++)
        {
            if (g[i].IsInvalid) continue;               // an unused input has no gradient (reading its handle would throw)
            var term = (g[i] * directions[i]).sum();
            inner = inner is null ? term : inner + term;
        }
        if (inner is null || !inner.requires_grad) return zeros_like(y);
        var jv = torch.autograd.grad(new[] { inner }, new[] { w }, allow_unused: true)[0];
        return jv.IsInvalid ? zeros_like(y) : jv.detach();
    }
}
