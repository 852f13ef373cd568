using MeanFlow.Fields;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Jvp;

/// <summary>
/// A plain <see cref="nn.Module"/> field with dropout, as a user would write it (no wrapper, no tangent support):
/// u = W₂·dropout(tanh(W₁·(z, r, t) + b₁)) + b₂. It records the mask of its first call, so a test can rebuild the
/// function of the value's own mask, u_M = W₂·(tanh(a) ⊙ M/(1 − p)) + b₂, and its exact JVP.
/// </summary>
internal sealed class DropoutMlpField : nn.Module, IVelocityField
{
    private readonly Linear hidden;
    private readonly Dropout dropout;
    private readonly Linear output;

    internal DropoutMlpField(int dimension, int width, double p, ulong seed) : base(nameof(DropoutMlpField))
    {
        P = p;
        hidden = nn.Linear(dimension + 2, width, dtype: float64);
        dropout = nn.Dropout(p);
        output = nn.Linear(width, dimension, dtype: float64);
        RegisterComponents();
        using var g = new Generator(seed);
        using (no_grad())
            foreach (var w in parameters()) w.copy_(randn(w.shape, dtype: float64, generator: g) * 0.7);
    }

    internal double P { get; }

    /// <summary>Which hidden units the first call kept, float64 (B, width) of 0/1; null before the first call.</summary>
    internal Tensor? FirstMask { get; private set; }

    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        var h = tanh(hidden.call(cat(new[] { z, r.unsqueeze(1), t.unsqueeze(1) }, 1)));
        var dropped = dropout.call(h);
        FirstMask ??= (dropped != 0).to(float64).detach().DetachFromDisposeScope();   // tanh(a) ≠ 0 almost surely
        return output.call(dropped).MoveToOuterDisposeScope();
    }

    /// <summary>u_M and its exact JVP along (dz, dr, dt) on the leading rows, for the recorded mask M (closed form).</summary>
    internal (Tensor Value, Tensor Tangent) WithFixedMask(Tensor z, Tensor r, Tensor t, Tensor dz, Tensor dr, Tensor dt)
    {
        var scale = FirstMask! / (1 - P);
        var a = hidden.call(cat(new[] { z, r.unsqueeze(1), t.unsqueeze(1) }, 1));
        var value = output.call(tanh(a) * scale);
        var k = dz.shape[0];
        var da = matmul(cat(new[] { dz, dr.unsqueeze(1), dt.unsqueeze(1) }, 1), hidden.weight!.t());     // W₁·d
        var dh = (1 - tanh(a.narrow(0, 0, k)).square()) * da * scale.narrow(0, 0, k);
        return (value, matmul(dh, output.weight!.t()));
    }
}

/// <summary>
/// A plain module that attends with <c>scaled_dot_product_attention</c> over N tokens of width E (z is (B, N·E)), then
/// applies dropout to the attention output: u = dropout(SDPA(q, k, v)) with q, k, v linear in the tokens plus r and t
/// terms. Records the first call's mask; <see cref="WithFixedMask"/> is the same function written out with an explicit
/// softmax and the mask fixed (no SDPA, no randomness).
/// </summary>
internal sealed class AttentionField : nn.Module, IVelocityField
{
    private readonly Linear query, key, value;
    private readonly Parameter startWeight, endWeight;
    private readonly Dropout dropout;

    internal AttentionField(int tokens, int width, double p, ulong seed) : base(nameof(AttentionField))
    {
        (Tokens, Width, P) = (tokens, width, p);
        query = nn.Linear(width, width, dtype: float64);
        key = nn.Linear(width, width, dtype: float64);
        value = nn.Linear(width, width, dtype: float64);
        startWeight = new Parameter(zeros(width, dtype: float64));
        endWeight = new Parameter(zeros(width, dtype: float64));
        dropout = nn.Dropout(p);
        RegisterComponents();
        using var g = new Generator(seed);
        using (no_grad())
            foreach (var w in parameters()) w.copy_(randn(w.shape, dtype: float64, generator: g) * 0.6);
    }

    internal int Tokens { get; }
    internal int Width { get; }
    internal double P { get; }
    internal Tensor? FirstMask { get; private set; }

    private Tensor Tokenized(Tensor z, Tensor r, Tensor t) =>
        z.view(z.shape[0], Tokens, Width) + r.view(-1, 1, 1) * startWeight + t.view(-1, 1, 1) * endWeight;   // (B, N, E)

    public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        var x = Tokenized(z, r, t);
        var q = query.call(x).unsqueeze(1);                                  // (B, 1, N, E): one head
        var k = key.call(x).unsqueeze(1);
        var v = value.call(x).unsqueeze(1);
        var attended = nn.functional.scaled_dot_product_attention(q, k, v).squeeze(1);
        var dropped = dropout.call(attended);
        FirstMask ??= (dropped != 0).to(float64).detach().DetachFromDisposeScope();
        return dropped.reshape(z.shape[0], -1).MoveToOuterDisposeScope();
    }

    /// <summary>The same function with an explicit softmax and the recorded mask, as a function of (z, r, t) of the
    /// leading <paramref name="rows"/> rows (deterministic: its JVP is well defined by any method).</summary>
    internal Tensor WithFixedMask(Tensor z, Tensor r, Tensor t, long rows)
    {
        var x = Tokenized(z, r, t);
        var q = query.call(x);
        var k = key.call(x);
        var v = value.call(x);
        var attention = softmax(matmul(q, k.transpose(1, 2)) / System.Math.Sqrt(Width), -1);
        var mask = FirstMask!.narrow(0, 0, rows) / (1 - P);
        return (matmul(attention, v) * mask).reshape(z.shape[0], -1);
    }
}
