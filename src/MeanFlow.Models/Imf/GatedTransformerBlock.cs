using MeanFlow.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Imf;

/// <summary>
/// The transformer block of the official improved MeanFlow DiT (its <c>TransformerBlock</c>): pre-RMSNorm residuals
/// with learned vector gates, zero at initialisation,
/// x ← x + attn(norm1(x)) ⊙ attn_scale,  x ← x + mlp(norm2(x)) ⊙ mlp_scale,
/// with <see cref="RopeAttention"/> and a <see cref="SwiGlu"/> MLP. No adaLN: conditioning arrives as in-context tokens.
/// State-dict keys <c>norm1.weight</c>, <c>attn.*</c>, <c>norm2.weight</c>, <c>mlp.*</c>, <c>attn_scale</c> (D,),
/// <c>mlp_scale</c> (D,). The gates are parameters, constants for the tangent: d(f·g) = df·g.
/// </summary>
public sealed class GatedTransformerBlock : nn.Module<Dual, RotaryEmbedding, Dual>
{
    /// <summary>ε of the block's RMSNorms, as upstream.</summary>
    public const double NormEpsilon = 1e-6;

    private readonly DualRmsNorm norm1;
    private readonly RopeAttention attn;
    private readonly DualRmsNorm norm2;
    private readonly SwiGlu mlp;
    private readonly Parameter attn_scale;
    private readonly Parameter mlp_scale;

    /// <summary>Creates the block: gates zero, norm weights one, linear layers as <c>nn.Linear</c>
    /// (<see cref="ImprovedMeanFlowDiT.InitializeWeights"/> re-initialises them).</summary>
    /// <param name="hiddenSize">D, the token width, ≥ 1.</param>
    /// <param name="heads">H, attention heads, dividing D into heads of even width.</param>
    /// <param name="mlpHiddenSize">M, the SwiGLU hidden width, ≥ 1.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A size is out of range.</exception>
    public GatedTransformerBlock(long hiddenSize, long heads, long mlpHiddenSize, Device? device = null, ScalarType? dtype = null)
        : base(nameof(GatedTransformerBlock))
    {
        norm1 = new DualRmsNorm(hiddenSize, NormEpsilon, device: device, dtype: dtype);
        attn = new RopeAttention(hiddenSize, heads, device, dtype);
        norm2 = new DualRmsNorm(hiddenSize, NormEpsilon, device: device, dtype: dtype);
        mlp = new SwiGlu(hiddenSize, mlpHiddenSize, device, dtype);
        attn_scale = new Parameter(zeros(new[] { hiddenSize }, dtype: dtype, device: device));
        mlp_scale = new Parameter(zeros(new[] { hiddenSize }, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>The attention residual's gate (D,), zero at initialisation.</summary>
    public Parameter AttentionGate => attn_scale;

    /// <summary>The MLP residual's gate (D,), zero at initialisation.</summary>
    public Parameter MlpGate => mlp_scale;

    /// <summary>Applies the block.</summary>
    /// <param name="x">Tokens, shape (B, N, D).</param>
    /// <param name="rotary">Rotary tables for N positions.</param>
    /// <returns>Tokens, shape (B, N, D).</returns>
    public override Dual forward(Dual x, RotaryEmbedding rotary)
    {
        using var scope = NewDisposeScope();
        x = x + attn.call(norm1.call(x), rotary) * attn_scale;     // (B, N, D)
        x = x + mlp.call(norm2.call(x)) * mlp_scale;                // (B, N, D)
        return x.MoveToOuter(scope);
    }
}
