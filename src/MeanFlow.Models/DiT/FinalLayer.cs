using System.Linq;
using TorchSharp;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

/// <summary>
/// The output layer of the MeanFlow DiT: RMSNorm without affine weights (<c>norm_final</c>), adaLN
/// modulation x̂·(1 + scale) + shift with (shift, scale) = <c>adaLN_modulation</c>(c) = Linear(SiLU(c)),
/// then <c>linear</c> (D → p·p·C) to patch values. State-dict keys <c>linear.*</c> and
/// <c>adaLN_modulation.1.*</c>.
/// </summary>
public sealed class FinalLayer : nn.Module<Dual, Dual, Dual>
{
    private readonly DualRmsNorm norm_final;
    private readonly DualLinear linear;
    private readonly DualSequential adaLN_modulation;

    /// <summary>Creates the layer (linear layers initialised like <c>nn.Linear</c>;
    /// <see cref="MeanFlowDiT.InitializeWeights"/> zeroes them).</summary>
    /// <param name="hiddenSize">D, the token width, ≥ 1.</param>
    /// <param name="outputWidth">p·p·C, the values per patch, ≥ 1.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A width is not positive.</exception>
    public FinalLayer(long hiddenSize, long outputWidth, Device? device = null, ScalarType? dtype = null) : base(nameof(FinalLayer))
    {
        norm_final = new DualRmsNorm(hiddenSize, elementwiseAffine: false, device: device, dtype: dtype);
        linear = new DualLinear(hiddenSize, outputWidth, true, device, dtype);
        adaLN_modulation = new DualSequential(new DualSilu(), new DualLinear(hiddenSize, 2 * hiddenSize, true, device, dtype));
        RegisterComponents();
    }

    /// <summary>The output projection (D → p·p·C).</summary>
    public DualLinear Linear => linear;

    /// <summary>The modulation's linear layer (D → 2D), producing (shift, scale).</summary>
    public DualLinear AdaLNModulation => (DualLinear)adaLN_modulation[1];

    /// <summary>Normalises, modulates and projects the tokens.</summary>
    /// <param name="x">Tokens, shape (B, N, D).</param>
    /// <param name="c">Conditioning, shape (B, D), with the tangent rows of <paramref name="x"/>.</param>
    /// <returns>Patch values, shape (B, N, p·p·C).</returns>
    public override Dual forward(Dual x, Dual c)
    {
        using var scope = NewDisposeScope();
        var m = adaLN_modulation.call(c).Chunk(2, 1).Select(v => v.MapLinear(a => a.unsqueeze(1))).ToArray();   // shift, scale: (B, 1, D)
        return linear.call(Layers.Modulation.Apply(norm_final.call(x), m[0], m[1])).MoveToOuter(scope);
    }
}
