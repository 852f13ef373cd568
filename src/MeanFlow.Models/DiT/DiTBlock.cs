using System.Linq;
using TorchSharp;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

/// <summary>
/// A MeanFlow DiT block with adaLN-Zero conditioning: (shift, scale, gate) for attention and for the MLP come
/// from <c>adaLN_modulation</c>(c) = Linear(SiLU(c)) (D → 6D), and
/// x ← x + gate_msa·attn(RMSNorm(x)·(1 + scale_msa) + shift_msa),
/// x ← x + gate_mlp·mlp(RMSNorm(x)·(1 + scale_mlp) + shift_mlp).
/// The norms have no affine weights; attention has RMS-normalised queries and keys (qk-norm).
/// State-dict keys <c>attn.qkv.*</c>, <c>attn.q_norm.weight</c>, <c>attn.k_norm.weight</c>, <c>attn.proj.*</c>,
/// <c>mlp.fc1.*</c>, <c>mlp.fc2.*</c>, <c>adaLN_modulation.1.*</c>, as MFDiT's <c>DiTBlock</c>.
/// </summary>
public sealed class DiTBlock : nn.Module<Dual, Dual, Dual>
{
    private readonly DualRmsNorm norm1;
    private readonly SelfAttention attn;
    private readonly DualRmsNorm norm2;
    private readonly FeedForward mlp;
    private readonly DualSequential adaLN_modulation;

    /// <summary>Creates the block (linear layers initialised like <c>nn.Linear</c>;
    /// <see cref="MeanFlowDiT.InitializeWeights"/> re-initialises them and zeroes the modulation).</summary>
    /// <param name="hiddenSize">D, the token width, ≥ 1, divisible by <paramref name="heads"/>.</param>
    /// <param name="heads">H, attention heads, ≥ 1.</param>
    /// <param name="mlpHiddenSize">The MLP's hidden width, ≥ 1.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="System.ArgumentOutOfRangeException">A size is not positive or H does not divide D.</exception>
    public DiTBlock(long hiddenSize, long heads, long mlpHiddenSize, Device? device = null, ScalarType? dtype = null) : base(nameof(DiTBlock))
    {
        norm1 = new DualRmsNorm(hiddenSize, elementwiseAffine: false, device: device, dtype: dtype);
        attn = new SelfAttention(hiddenSize, heads, qkvBias: true, qkNorm: true, device: device, dtype: dtype);
        norm2 = new DualRmsNorm(hiddenSize, elementwiseAffine: false, device: device, dtype: dtype);
        mlp = new FeedForward(hiddenSize, mlpHiddenSize, device, dtype);
        adaLN_modulation = new DualSequential(new DualSilu(), new DualLinear(hiddenSize, 6 * hiddenSize, true, device, dtype));
        RegisterComponents();
    }

    /// <summary>The modulation's linear layer (D → 6D), producing the shifts, scales and gates.</summary>
    public DualLinear AdaLNModulation => (DualLinear)adaLN_modulation[1];

    /// <summary>Applies the block.</summary>
    /// <param name="x">Tokens, shape (B, N, D).</param>
    /// <param name="c">Conditioning, shape (B, D), with the tangent rows of <paramref name="x"/>.</param>
    /// <returns>Tokens, shape (B, N, D).</returns>
    public override Dual forward(Dual x, Dual c)
    {
        using var scope = NewDisposeScope();
        // shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp, each (B, 1, D)
        var m = adaLN_modulation.call(c).Chunk(6, 1).Select(v => v.MapLinear(a => a.unsqueeze(1))).ToArray();
        x = x + m[2] * attn.call(Layers.Modulation.Apply(norm1.call(x), m[0], m[1]));          // (B, N, D)
        x = x + m[5] * mlp.call(Layers.Modulation.Apply(norm2.call(x), m[3], m[4]));           // (B, N, D)
        return x.MoveToOuter(scope);
    }
}
