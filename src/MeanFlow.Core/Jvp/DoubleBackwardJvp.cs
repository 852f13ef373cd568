using MeanFlow.Fields;
using MeanFlow.Internal;
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
public sealed class DoubleBackwardJvp : IJvpEngine, IGuidedJvpEngine
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

    /// <inheritdoc />
    /// <remarks>Differentiates the u-head only; the v-head's value keeps the graph of the plain forward pass.</remarks>
    public GuidedJvpOutput Compute(IGuidedVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels,
        GuidanceConditions guidance, InputTangent tangent)
    {
        JvpArguments.Check(field, z, r, t, guidance, tangent);
        using var scope = NewDisposeScope();
        using var math = new MathAttentionScope();
        var value = field.Velocities(z, r, t, labels, guidance);
        var k = tangent.Rows;
        Tensor jvp;
        if (k == 0) jvp = zeros_like(tangent.Z);
        else
        {
            var leadingLabels = JvpArguments.Lead(labels, k);
            var leadingGuidance = JvpArguments.Lead(guidance, k);
            jvp = DoubleBackward.Jvp(xs => field.Velocities(xs[0], xs[1], xs[2], leadingLabels, leadingGuidance).Average,
                new[] { z.narrow(0, 0, k), r.narrow(0, 0, k), t.narrow(0, 0, k) }, new[] { tangent.Z, tangent.R, tangent.T });
        }
        return new GuidedJvpOutput(value, jvp).MoveToOuterDisposeScope();
    }

    private static Tensor TangentOfLeadingRows(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
    {
        var k = tangent.Rows;
        if (k == 0) return zeros_like(tangent.Z);
        var leadingLabels = JvpArguments.Lead(labels, k);
        return DoubleBackward.Jvp(xs => field.AverageVelocity(xs[0], xs[1], xs[2], leadingLabels),
            new[] { z.narrow(0, 0, k), r.narrow(0, 0, k), t.narrow(0, 0, k) }, new[] { tangent.Z, tangent.R, tangent.T });
    }
}
