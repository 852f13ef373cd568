using System;
using MeanFlow.Fields;
using MeanFlow.Jvp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>The tensor entry points of <see cref="ITangentGuidedVelocityField"/> for a backbone written on pairs: both
/// wrap one pass <see cref="Run"/> that returns u and, when asked, v (with or without its tangent).</summary>
internal static class TwoHeadCalls
{
    /// <summary>One pass of a two-head backbone on pairs: u, and v when <paramref name="instantaneous"/> (its tangent
    /// only when <paramref name="instantaneousTangent"/>).</summary>
    internal delegate (Dual Average, Dual? Instantaneous) Run(Dual z, Dual r, Dual t, bool instantaneous, bool instantaneousTangent);

    /// <summary>Both heads' values, moved out of the call's dispose scope.</summary>
    internal static TwoHeadVelocity Velocities(Run run, Tensor z, Tensor r, Tensor t)
    {
        using var scope = NewDisposeScope();
        var (u, v) = run(new Dual(z), new Dual(r), new Dual(t), true, false);
        return new TwoHeadVelocity(u.Primal, v!.Primal).MoveToOuterDisposeScope();
    }

    /// <summary>Both heads' values and u's tangent on the leading K rows; v's tangent is not computed.</summary>
    internal static (TwoHeadVelocity Value, Tensor AverageTangent) WithTangent(Run run, Tensor z, Tensor r, Tensor t, InputTangent tangent)
    {
        ArgumentNullException.ThrowIfNull(tangent);
        using var scope = NewDisposeScope();
        var (u, v) = run(new Dual(z, tangent.Z), new Dual(r, tangent.R), new Dual(t, tangent.T), true, false);
        var value = new TwoHeadVelocity(u.Primal, v!.Primal).MoveToOuterDisposeScope();
        return (value, u.Tangent!.MoveToOuterDisposeScope());
    }
}
