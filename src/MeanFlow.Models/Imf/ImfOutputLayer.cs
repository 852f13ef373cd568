using MeanFlow.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Imf;

/// <summary>
/// The official improved MeanFlow DiT's <c>FinalLayer</c>: RMSNorm with weight (ε = 10⁻⁶) and a linear layer
/// D → p·p·C with bias, zero at initialisation. Keys <c>norm.weight</c>, <c>linear._flax_linear.{weight,bias}</c>.
/// </summary>
internal sealed class ImfOutputLayer : nn.Module<Dual, Dual>
{
    private readonly DualRmsNorm norm;
    private readonly FlaxLinear linear;

    internal ImfOutputLayer(long hiddenSize, long outputWidth, Device? device, ScalarType? dtype) : base(nameof(ImfOutputLayer))
    {
        norm = new DualRmsNorm(hiddenSize, GatedTransformerBlock.NormEpsilon, device: device, dtype: dtype);
        linear = new FlaxLinear(hiddenSize, outputWidth, true, device, dtype);
        RegisterComponents();
    }

    /// <summary>The output projection, for initialisation.</summary>
    internal DualLinear Linear => linear.Linear;

    /// <summary>Tokens (B, N, D) to patch values (B, N, p·p·C).</summary>
    public override Dual forward(Dual x)
    {
        using var scope = NewDisposeScope();
        return linear.call(norm.call(x)).MoveToOuter(scope);
    }
}
