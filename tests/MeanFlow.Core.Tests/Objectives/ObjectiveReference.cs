using MeanFlow.Fields;
using MeanFlow.Jvp;

namespace MeanFlow.Tests.Objectives;

/// <summary>
/// An independent, row-by-row computation of the MeanFlow target and loss on the linear path, using the
/// double-backward engine one row at a time (the objective under test uses the field's own forward mode,
/// batched, with its rows reordered).
/// </summary>
internal static class ObjectiveReference
{
    /// <summary>Per-row targets, shape (B, D), for a given guided velocity ṽ (B, D).</summary>
    internal static Tensor Targets(IVelocityField field, Tensor z, Tensor r, Tensor t, Tensor? labels, Tensor velocity)
    {
        var rows = new Tensor[z.shape[0]];
        var engine = new DoubleBackwardJvp();
        for (long i = 0; i < rows.Length; i++)
        {
            var zi = z.narrow(0, i, 1);
            var vi = velocity.narrow(0, i, 1);
            var ri = r.narrow(0, i, 1);
            var ti = t.narrow(0, i, 1);
            if (ri.item<double>() == ti.item<double>()) { rows[i] = vi; continue; }
            var jvp = engine.Compute(field, zi, ri, ti, labels?.narrow(0, i, 1), InputTangent.AlongTrajectory(vi));
            rows[i] = vi - (ti - ri).item<double>() * jvp.Tangent;
        }
        return cat(rows, 0);
    }

    /// <summary>mean_i w_i·‖u_i − tgt_i‖², w_i = (‖u_i − tgt_i‖² + c)^(−p).</summary>
    internal static double Loss(Tensor prediction, Tensor target, double power, double constant)
    {
        var squared = (prediction - target).square().sum(1);
        return ((squared + constant).pow(-power) * squared).mean().item<double>();
    }
}
