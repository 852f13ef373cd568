using System.Linq;
using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Jvp;

/// <summary>
/// Exact JVP for any differentiable field by the double-backward identity: with g(w) = Jᵀw built with
/// <c>create_graph</c>, J·d = ∂⟨g(w), d⟩/∂w. The value and the JVP come from <b>one</b> forward pass, so a field with
/// dropout or any other random layer gets the derivative of the very function (the very mask) that produced the value.
/// </summary>
/// <remarks>
/// <para>How: the field runs once on all B rows at (z + δz, r + δr, t + δt) with zero offsets δ that require gradients;
/// the value keeps its ordinary graph to the parameters, and the JVP is ∂⟨Jᵀw, d⟩/∂w with the tangent d padded by
/// zero rows beyond the leading K. The cost is one forward and two backward passes over all B rows (a second forward
/// on the K tangent rows alone would be cheaper but would draw a new dropout mask).</para>
/// <para>Safety, from what was measured about TorchSharp 0.107: inputs the field ignores (say, r or the labels) count
/// as zero (a missing gradient otherwise ends the process from native code), and <c>retain_graph</c> is passed
/// explicitly. The flash scaled-dot-product-attention kernel, whose backward has no derivative (double backward through
/// it aborts the process), is switched off process-wide, once, the first time this engine runs (see the JVP article);
/// <c>scaled_dot_product_attention</c> inside a user's field then takes libtorch's differentiable math path.</para>
/// </remarks>
public sealed class DoubleBackwardJvp : IJvpEngine
{
    /// <inheritdoc />
    public JvpOutput Compute(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        JvpArguments.Check(field, z, r, t, tangent);
        MathAttention.EnsureSelected();
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var k = tangent.Rows;
        if (k == 0) return new JvpOutput(field.AverageVelocity(z, r, t, labels), zeros_like(tangent.Z)).MoveToOuterDisposeScope();

        var offsets = new[] { zeros_like(z).requires_grad_(true), zeros_like(r).requires_grad_(true), zeros_like(t).requires_grad_(true) };
        var value = field.AverageVelocity(z + offsets[0], r + offsets[1], t + offsets[2], labels);
        return new JvpOutput(value, TangentOfLeadingRows(value, offsets, tangent)).MoveToOuterDisposeScope();
    }

    /// <summary>Rows 0 … K − 1 of J·d from the value's own graph; zeros when the value does not depend on the inputs.</summary>
    private static Tensor TangentOfLeadingRows(Tensor value, Tensor[] offsets, InputTangent tangent)
    {
        var k = tangent.Rows;
        var zero = zeros(new[] { k }.Concat(value.shape[1..]).ToArray(), dtype: value.dtype, device: value.device);
        if (!value.requires_grad) return zero;
        var w = zeros_like(value).requires_grad_(true);
        var g = autograd.grad(new[] { value }, offsets, new[] { w }, retain_graph: true, create_graph: true, allow_unused: true);
        var directions = new[] { tangent.Z, tangent.R, tangent.T };
        Tensor? inner = null;                                   // ⟨Jᵀw, d⟩ over the leading rows of the inputs used
        for (var i = 0; i < offsets.Length; i++)
        {
            if (g[i].IsInvalid) continue;                       // an unused input has no gradient (reading its handle would throw)
            var term = (g[i].narrow(0, 0, k) * directions[i]).sum();
            inner = inner is null ? term : inner + term;
        }
        if (inner is null || !inner.requires_grad) return zero;
        var jv = autograd.grad(new[] { inner }, new[] { w }, retain_graph: true, allow_unused: true)[0];
        return jv.IsInvalid ? zero : jv.narrow(0, 0, k).detach();
    }
}
