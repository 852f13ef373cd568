using MeanFlow.Fields;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Jvp;

/// <summary>
/// A plain two-head, guidance-conditioned <see cref="nn.Module"/> with dropout, as a user would write it (no tangent
/// support): a = W₁·(z, r, t, 1 − 1/ω, t_min, t_max) + b₁, H = dropout(tanh(a)), u = W_u·H + b_u, v = W_v·H + b_v
/// (labels ignored). It records the mask of its first call, so a test can rebuild the function of the value's own mask
/// and its exact u-head JVP in closed form.
/// </summary>
internal sealed class DropoutGuidedField : nn.Module, IGuidedVelocityField
{
    private readonly Linear hidden;
    private readonly Dropout dropout;
    private readonly Linear average;
    private readonly Linear instantaneous;

    internal DropoutGuidedField(int dimension, int width, double p, ulong seed) : base(nameof(DropoutGuidedField))
    {
        P = p;
        hidden = nn.Linear(dimension + 5, width, dtype: float64);
        dropout = nn.Dropout(p);
        average = nn.Linear(width, dimension, dtype: float64);
        instantaneous = nn.Linear(width, dimension, dtype: float64);
        RegisterComponents();
        using var g = new Generator(seed);
        using (no_grad())
            foreach (var w in parameters()) w.copy_(randn(w.shape, dtype: float64, generator: g) * 0.7);
    }

    internal double P { get; }

    /// <summary>Which hidden units the first call kept, float64 (B, width) of 0/1; null before the first call.</summary>
    internal Tensor? FirstMask { get; private set; }

    public bool HasInstantaneousHead => true;

    public TwoHeadVelocity Velocities(Tensor z, Tensor r, Tensor t, Tensor? labels, GuidanceConditions guidance)
    {
        using var scope = NewDisposeScope();
        var dropped = dropout.call(tanh(hidden.call(Inputs(z, r, t, guidance))));
        FirstMask ??= (dropped != 0).to(float64).detach().DetachFromDisposeScope();   // tanh(a) ≠ 0 almost surely
        return new TwoHeadVelocity(average.call(dropped), instantaneous.call(dropped)).MoveToOuterDisposeScope();
    }

    /// <summary>u_M and v_M for the recorded mask M, and u_M's exact JVP along (dz, dr, dt) on the leading rows (closed form).</summary>
    internal (Tensor Average, Tensor Instantaneous, Tensor Tangent) WithFixedMask(Tensor z, Tensor r, Tensor t, GuidanceConditions guidance,
        Tensor dz, Tensor dr, Tensor dt)
    {
        var scale = FirstMask! / (1 - P);
        var a = hidden.call(Inputs(z, r, t, guidance));
        var h = tanh(a) * scale;
        var k = dz.shape[0];
        var d = cat(new[] { dz, dr.unsqueeze(1), dt.unsqueeze(1), zeros(k, 3, dtype: float64) }, 1);   // guidance is constant
        var dh = (1 - tanh(a.narrow(0, 0, k)).square()) * matmul(d, hidden.weight!.t()) * scale.narrow(0, 0, k);
        return (average.call(h), instantaneous.call(h), matmul(dh, average.weight!.t()));
    }

    private static Tensor Inputs(Tensor z, Tensor r, Tensor t, GuidanceConditions guidance) => cat(new[]
    {
        z, r.unsqueeze(1), t.unsqueeze(1), (1 - guidance.Scale.reciprocal()).unsqueeze(1),
        guidance.IntervalStart.unsqueeze(1), guidance.IntervalEnd.unsqueeze(1),
    }, 1);
}
