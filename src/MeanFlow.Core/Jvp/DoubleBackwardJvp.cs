using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Internal;
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
/// zero rows beyond the leading K. The two backward passes cover all B rows. For a field known to be a deterministic
/// function of its inputs, <see cref="DoubleBackwardJvp(bool)"/> with <c>true</c> evaluates the K tangent rows in a
/// second forward pass of their own instead, which is cheaper when K is a small part of B and exact only then (a
/// second pass of a field with dropout draws another mask).</para>
/// <para>Safety, from what was measured about TorchSharp 0.107: inputs the field ignores (say, r or the labels) count
/// as zero (a missing gradient otherwise ends the process from native code), and <c>retain_graph</c> is passed
/// explicitly. The flash scaled-dot-product-attention kernel, whose backward has no derivative (double backward through
/// it aborts the process), is switched off process-wide, once, the first time this engine runs (see the JVP article);
/// <c>scaled_dot_product_attention</c> inside a user's field then takes libtorch's differentiable math path.</para>
/// </remarks>
public sealed class DoubleBackwardJvp : IJvpEngine, IGuidedJvpEngine
{
    /// <summary>Creates the engine, exact for any field (value and JVP from one forward pass).</summary>
    public DoubleBackwardJvp()
    {
    }

    /// <summary>Creates the engine.</summary>
    /// <param name="deterministicField"><c>true</c> to promise that the field is a deterministic function of (z, r, t, labels)
    /// (no dropout or other random layer active): the tangent rows then get a second forward pass over the K rows only,
    /// cheaper at small K. With a random layer that JVP belongs to another draw than the value: use <c>false</c> (the
    /// default constructor), which is exact for every field.</param>
    public DoubleBackwardJvp(bool deterministicField) => DeterministicField = deterministicField;

    /// <summary>Whether the field was promised deterministic, so the tangent rows get their own forward pass.</summary>
    public bool DeterministicField { get; }

    /// <inheritdoc />
    public JvpOutput Compute(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        JvpArguments.Check(field, z, r, t, tangent);
        MathAttention.EnsureSelected();
        using var scope = NewDisposeScope();
        var k = tangent.Rows;
        if (k == 0) return new JvpOutput(field.AverageVelocity(z, r, t, labels), zeros_like(tangent.Z)).MoveToOuterDisposeScope();
        if (DeterministicField)
        {
            var plain = field.AverageVelocity(z, r, t, labels);
            var leadingLabels = JvpArguments.Lead(labels, k);
            var jvp = DoubleBackward.Jvp(xs => field.AverageVelocity(xs[0], xs[1], xs[2], leadingLabels),
                new[] { z.narrow(0, 0, k), r.narrow(0, 0, k), t.narrow(0, 0, k) }, new[] { tangent.Z, tangent.R, tangent.T });
            return new JvpOutput(plain, jvp).MoveToOuterDisposeScope();
        }

        using var grad = enable_grad();                         // the JVP needs the graph even under a caller's no_grad
        var offsets = new[] { zeros_like(z).requires_grad_(true), zeros_like(r).requires_grad_(true), zeros_like(t).requires_grad_(true) };
        var value = field.AverageVelocity(z + offsets[0], r + offsets[1], t + offsets[2], labels);
        return new JvpOutput(value, TangentOfLeadingRows(value, offsets, tangent)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>Differentiates the u-head only. As for single-head fields, both heads and the u-head's JVP come from one
    /// forward pass over all B rows, so a field with dropout gets the JVP of the value's own mask (and the v-head's value,
    /// with its graph, comes from that same pass); with <see cref="DeterministicField"/> the K tangent rows get a second
    /// forward pass of their own instead.</remarks>
    public GuidedJvpOutput Compute(IGuidedVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent)
    {
        JvpArguments.Check(field, z, r, t, guidance, tangent);
        MathAttention.EnsureSelected();
        using var scope = NewDisposeScope();
        var k = tangent.Rows;
        if (k == 0) return new GuidedJvpOutput(field.Velocities(z, r, t, labels, guidance), zeros_like(tangent.Z)).MoveToOuterDisposeScope();
        if (DeterministicField)
        {
            var plain = field.Velocities(z, r, t, labels, guidance);
            var leadingLabels = JvpArguments.Lead(labels, k);
            var leadingGuidance = JvpArguments.Lead(guidance, k);
            var jvp = DoubleBackward.Jvp(xs => field.Velocities(xs[0], xs[1], xs[2], leadingLabels, leadingGuidance).Average,
                new[] { z.narrow(0, 0, k), r.narrow(0, 0, k), t.narrow(0, 0, k) }, new[] { tangent.Z, tangent.R, tangent.T });
            return new GuidedJvpOutput(plain, jvp).MoveToOuterDisposeScope();
        }

        using var grad = enable_grad();                         // the JVP needs the graph even under a caller's no_grad
        var offsets = new[] { zeros_like(z).requires_grad_(true), zeros_like(r).requires_grad_(true), zeros_like(t).requires_grad_(true) };
        var value = field.Velocities(z + offsets[0], r + offsets[1], t + offsets[2], labels, guidance);
        return new GuidedJvpOutput(value, TangentOfLeadingRows(value.Average, offsets, tangent)).MoveToOuterDisposeScope();
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
