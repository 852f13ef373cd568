using TorchSharp;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

/// <summary>
/// The MLP of a DiT block, laid out like timm's <c>Mlp</c>: <c>fc1</c> (D → M), GELU with the tanh
/// approximation, <c>fc2</c> (M → D), no dropout. State-dict keys <c>fc1.weight</c>, <c>fc1.bias</c>,
/// <c>fc2.weight</c>, <c>fc2.bias</c>.
/// </summary>
public sealed class FeedForward : nn.Module<Dual, Dual>
{
    private readonly DualLinear fc1;
    private readonly DualGelu act;
    private readonly DualLinear fc2;

    /// <summary>Creates the MLP (linear layers initialised like <c>nn.Linear</c>).</summary>
    /// <param name="dimension">D, input and output width, ≥ 1.</param>
    /// <param name="hiddenSize">M, the hidden width, ≥ 1.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A width is not positive.</exception>
    public FeedForward(long dimension, long hiddenSize, Device? device = null, ScalarType? dtype = null) : base(nameof(FeedForward))
    {
        fc1 = new DualLinear(dimension, hiddenSize, true, device, dtype);
        act = new DualGelu(tanhApproximation: true);
        fc2 = new DualLinear(hiddenSize, dimension, true, device, dtype);
        RegisterComponents();
    }

    /// <summary>fc2(gelu(fc1(x))) and its tangent.</summary>
    /// <param name="x">Tokens, shape (B, N, D).</param>
    /// <returns>Shape (B, N, D).</returns>
    public override Dual forward(Dual x)
    {
        using var scope = NewDisposeScope();
        return fc2.call(act.call(fc1.call(x))).MoveToOuter(scope);
    }
}
