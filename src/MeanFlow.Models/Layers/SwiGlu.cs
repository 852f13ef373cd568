using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable SwiGLU MLP (Shazeer 2020), laid out like the official improved MeanFlow DiT's <c>SwiGLUMlp</c>:
/// y = w2(silu(w1·x) ⊙ w3·x), three linear layers without bias (<see cref="FlaxLinear"/>, keys
/// <c>w1._flax_linear.weight</c> (M, D), <c>w3._flax_linear.weight</c> (M, D), <c>w2._flax_linear.weight</c> (D, M)).
/// The hidden width M is ⌊D·8/3⌋ in the official model. Tangent: dy = w2(silu′(a)·da ⊙ b + silu(a) ⊙ db).
/// </summary>
public sealed class SwiGlu : nn.Module<Dual, Dual>
{
    private readonly FlaxLinear w1;
    private readonly FlaxLinear w3;
    private readonly FlaxLinear w2;
    private readonly DualSilu act;

    /// <summary>Creates the MLP (linear layers initialised like <c>nn.Linear</c>).</summary>
    /// <param name="dimension">D, input and output width, ≥ 1.</param>
    /// <param name="hiddenSize">M, the hidden width, ≥ 1.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A width is not positive.</exception>
    public SwiGlu(long dimension, long hiddenSize, Device? device = null, ScalarType? dtype = null) : base(nameof(SwiGlu))
    {
        w1 = new FlaxLinear(dimension, hiddenSize, false, device, dtype);
        w3 = new FlaxLinear(dimension, hiddenSize, false, device, dtype);
        w2 = new FlaxLinear(hiddenSize, dimension, false, device, dtype);
        act = new DualSilu();
        RegisterComponents();
    }

    /// <summary>w2(silu(w1·x) ⊙ w3·x) and its tangent.</summary>
    /// <param name="x">Tokens, shape (B, ..., D).</param>
    /// <returns>Shape (B, ..., D).</returns>
    public override Dual forward(Dual x)
    {
        using var scope = NewDisposeScope();
        return w2.call(act.call(w1.call(x)) * w3.call(x)).MoveToOuter(scope);
    }
}
