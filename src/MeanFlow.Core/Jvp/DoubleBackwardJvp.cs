using System;
using System.Collections.Generic;
using MeanFlow.Fields;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// Exact JVP for any differentiable field by the double-backward identity: with g(w) = Jᵀw built with
/// <c>create_graph</c>, J·d = ∂⟨g(w), d⟩/∂w. Costs roughly two extra backward passes over the tangent rows.
/// </summary>
/// <remarks>
/// <para>Safety, from what was measured about TorchSharp 0.107: inputs the field ignores (say, r or the
/// labels) are requested with <c>allow_unused</c> and count as zero, because a missing gradient otherwise
/// ends the process from native code; <c>retain_graph</c> is passed explicitly; and the flash
/// scaled-dot-product-attention kernel, whose backward has no derivative (double backward through it
/// aborts the process), is switched off while the engine runs, so SDPA inside a user's field takes the
/// differentiable math path.</para>
/// <para>The tangent rows are evaluated in a second forward pass on their own detached inputs, so the
/// value returned for the loss keeps the ordinary graph of a plain forward pass.</para>
/// </remarks>
public sealed class DoubleBackwardJvp : IJvpEngine
{
    /// <inheritdoc />
    public JvpOutput Compute(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        JvpArguments.Check(field, z, r, t, tangent);
        using var scope = NewDisposeScope();
        using var math = new MathAttentionScope();
        var value = field.AverageVelocity(z, r, t, labels);
        var jvp = TangentOfLeadingRows(field, z, r, t, labels, tangent);
        return new JvpOutput(value, jvp).MoveToOuterDisposeScope();
    }

    private static Tensor TangentOfLeadingRows(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        var k = tangent.Rows;
        if (k == 0) return zeros_like(tangent.Z);

        using var grad = enable_grad();
        var zk = z.narrow(0, 0, k).detach().requires_grad_(true);
        var rk = r.narrow(0, 0, k).detach().requires_grad_(true);
        var tk = t.narrow(0, 0, k).detach().requires_grad_(true);
        var uk = field.AverageVelocity(zk, rk, tk, JvpArguments.Lead(labels, k));
        if (!uk.requires_grad) return zeros_like(tangent.Z);   // u does not depend on (z, r, t) at all

        var w = zeros_like(uk).requires_grad_(true);
        var g = torch.autograd.grad(new[] { uk }, new[] { zk, rk, tk }, new[] { w },
            retain_graph: true, create_graph: true, allow_unused: true);

        // ⟨Jᵀw, d⟩, summing only the inputs u really depends on (an unused input has an empty gradient).
        var directions = new[] { tangent.Z, tangent.R, tangent.T };
        Tensor? inner = null;
        for (var i = 0; i < 3; i++)
        {
            if (g[i].IsInvalid) continue;   // an input u does not depend on
            var term = (g[i] * directions[i]).sum();
            inner = inner is null ? term : inner + term;
        }
        if (inner is null || !inner.requires_grad) return zeros_like(tangent.Z);

        var jv = torch.autograd.grad(new[] { inner }, new[] { w }, allow_unused: true)[0];
        return jv.IsInvalid ? zeros_like(tangent.Z) : jv.detach();
    }
}
