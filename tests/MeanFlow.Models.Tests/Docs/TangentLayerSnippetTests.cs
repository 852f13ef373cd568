using MeanFlow.Models.Testing;
using TorchSharp.Modules;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Docs;

// The code of docs/articles/tangent-layers.md (the article includes these regions), compiled and checked.

#region custom-layer
/// <summary>y = a ⊙ tanh(x) with a learned per-feature amplitude a; dy = a ⊙ (1 − tanh²(x)) ⊙ dx.</summary>
public sealed class ScaledTanh : nn.Module<Dual, Dual>
{
    private readonly Parameter weight;

    public ScaledTanh(long features) : base(nameof(ScaledTanh))
    {
        weight = new Parameter(ones(features));
        RegisterComponents();
    }

    public override Dual forward(Dual x)
    {
        using var scope = NewDisposeScope();
        var tanh = x.Primal.tanh();                       // primal intermediate, reused below
        var y = tanh * weight;                            // the plain forward, identical with or without tangent
        if (x.Tangent is null) return new Dual(y).MoveToOuter(scope);

        Tensor dy;
        using (no_grad())                                 // the tangent is stop-gradient: no graph
        {
            var leading = tanh.narrow(0, 0, x.TangentRows);   // the K rows that have a tangent (a view)
            dy = leading.square().neg_().add_(1)              // 1 − tanh², a new tensor: in place is safe
                        .mul_(weight).mul_(x.Tangent);        // never modify x.Tangent or tanh in place
        }
        return new Dual(y, dy).MoveToOuter(scope);
    }
}
#endregion

#region dual-field
/// <summary>u(z, r, t) = W₂·silu(W₁·[z, emb(t), emb(t − r)]): a MeanFlow field written once, on pairs.</summary>
public sealed class TinyField : DualVelocityField
{
    private readonly DualLinear hidden;
    private readonly DualSilu silu = new();
    private readonly DualLinear output;

    public TinyField(long dimension) : base(nameof(TinyField))
    {
        hidden = new DualLinear(dimension + 2 * 8, 32);
        output = new DualLinear(32, dimension);
        RegisterComponents();
    }

    public override Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null)
    {
        var times = TimeInputs.Of(TimeConditioning.TimeAndInterval, r, t)     // t and t − r, with their tangents
            .Select(time => FrequencyEmbedding.Apply(time, 8, scale: 1.0));  // (B, 8) each
        var h = hidden.call(Dual.Cat(times.Prepend(z).ToArray(), 1));       // (B, 32)
        return output.call(silu.call(h));                                   // (B, D)
    }
}
#endregion

public sealed class TangentLayerSnippetTests
{
    [Fact]
    public void ALayerCallsWithATensorOrWithADual()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        #region dual-call
        using var layer = new DualLinear(4, 3);
        var x = randn(5, 4);                             // B = 5 rows
        var dx = randn(2, 4);                            // d(x) for the leading K = 2 rows

        var y  = layer.call(x);                          // plain: Tensor in, Tensor out (primal only)
        var yd = layer.call(new Dual(x, dx));            // primal (B, ...) and tangent (K, ...) in one pass
        #endregion

        Assert.True(Identical(y, yd.Primal), "the primal is the plain forward");
        Assert.Equal(new long[] { 2, 3 }, yd.Tangent!.shape);
        AssertClose(yd.Tangent, dx.matmul(layer.Weight.detach().t()), 1e-6, "d(x·Wᵀ + b) = dx·Wᵀ");
        Assert.False(yd.Tangent.requires_grad);
    }

    [Fact]
    public void TheArticlesDiTBlockIsTheLibrarysAndItsTangentIsExact()
    {
        using var scope = NewDisposeScope();
        const long hidden = 8, heads = 2;
        manual_seed(5);
        using var norm1 = new DualRmsNorm(hidden, elementwiseAffine: false, dtype: ScalarType.Float64);
        using var attn = new SelfAttention(hidden, heads, qkvBias: true, qkNorm: true, dtype: ScalarType.Float64);
        using var norm2 = new DualRmsNorm(hidden, elementwiseAffine: false, dtype: ScalarType.Float64);
        using var mlp = new FeedForward(hidden, 4 * hidden, dtype: ScalarType.Float64);
        using var adaLN_modulation = new DualSequential(new DualSilu(), new DualLinear(hidden, 6 * hidden, dtype: ScalarType.Float64));

        Dual Block(Dual x, Dual c)
        {
            #region dit-block
            var m = adaLN_modulation.call(c).Chunk(6, 1).Select(p => p.MapLinear(t => t.unsqueeze(1))).ToArray();
            x = x + m[2] * attn.call(Modulation.Apply(norm1.call(x), m[0], m[1]));
            x = x + m[5] * mlp.call(Modulation.Apply(norm2.call(x), m[3], m[4]));
            #endregion
            return x;
        }

        // The library's block with the same weights (its state-dict keys are these modules' keys, prefixed).
        using var block = new DiTBlock(hidden, heads, 4 * hidden, dtype: ScalarType.Float64);
        var blockState = block.state_dict();
        using (no_grad())
            foreach (var (prefix, module) in new (string, nn.Module)[] { ("attn.", attn), ("mlp.", mlp), ("adaLN_modulation.", adaLN_modulation) })
                foreach (var (key, value) in module.state_dict()) blockState[prefix + key].copy_(value);
        Assert.Equal(blockState.Count, attn.state_dict().Count + mlp.state_dict().Count + adaLN_modulation.state_dict().Count);

        var g = Seeded(1);
        var (tokens, conditioning) = (Normal(g, 4, 3, hidden), Normal(g, 4, hidden));      // (B, N, D), (B, D)
        var (dTokens, dConditioning) = (Normal(g, 2, 3, hidden), Normal(g, 2, hidden));    // K = 2 tangent rows
        var ours = Block(new Dual(tokens, dTokens), new Dual(conditioning, dConditioning));
        var library = block.call(new Dual(tokens, dTokens), new Dual(conditioning, dConditioning));
        AssertClose(ours.Primal, library.Primal, 1e-14, "primal against DiTBlock");
        AssertClose(ours.Tangent!, library.Tangent!, 1e-14, "tangent against DiTBlock");
        TangentIsExactForAllRowCounts(xs => Block(xs[0], xs[1]), new[] { tokens, conditioning });
    }

    [Fact]
    public void TheArticlesFieldGivesTheExactJvpInItsForwardPass()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var field = new TinyField(3);
        field.to(ScalarType.Float64);
        var g = Seeded(3);
        var z = Normal(g, 6, 3);
        var t = rand(new long[] { 6 }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new long[] { 6 }, dtype: ScalarType.Float64, generator: g);
        var tangent = InputTangent.AlongTrajectory(Normal(g, 4, 3));                       // (v, 0, 1) on K = 4 rows
        using var forward = new ForwardModeJvp().Compute(field, z, r, t, null, tangent);    // the field's own tangent
        using var exact = new DoubleBackwardJvp().Compute(field, z, r, t, null, tangent);
        Assert.True(Identical(forward.Value, field.AverageVelocity(z, r, t)));
        AssertClose(forward.Tangent, exact.Tangent, DefaultTolerance, "forward mode vs double backward");
    }

    [Fact]
    public void TheArticlesCustomLayerIsExact()
    {
        #region test-kit
        using var layer = new ScaledTanh(6);
        layer.to(ScalarType.Float64);                                     // check in float64
        var x = randn(new long[] { 5, 3, 6 }, dtype: ScalarType.Float64, generator: new Generator(1));   // B = 5

        // Tangent against double backward for K = 0, 2 and 5 rows, primal unchanged; throws TangentCheckException.
        var report = TangentCheck.TangentIsExactForAllRowCounts(layer, x);
        // Every parameter and input gets a gradient, bit-identical with and without a tangent.
        TangentCheck.GradientsAreUnchanged(layer, x);
        #endregion

        Assert.True(report.Passed);
        Assert.Equal(5, report.Measurements.Count);                      // the primal for K = 0, 2, 5; the tangent for K = 2, 5
        Assert.InRange(report.MaxTangentError, 0, 1e-14);
    }
}
