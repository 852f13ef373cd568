using MeanFlow.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Imf;

/// <summary>
/// The official improved MeanFlow DiT's <c>TimestepEmbedder</c>, used for h = t − r, 1 − 1/ω, t_min and t_max: the
/// sinusoidal embedding [cos(s·f_k), sin(s·f_k)], f_k = 10000^(−k/(F/2)), of the scalar as given (no factor 1000),
/// then <c>mlp</c> = Linear(F, D) → SiLU → Linear(D, D), keys <c>mlp.0._flax_linear.*</c> and <c>mlp.2._flax_linear.*</c>.
/// </summary>
internal sealed class ScalarEmbedder : nn.Module<Dual, Dual>
{
    private readonly DualSequential mlp;
    private readonly long _frequencies;

    internal ScalarEmbedder(long hiddenSize, long frequencyDimension, Device? device, ScalarType? dtype) : base(nameof(ScalarEmbedder))
    {
        _frequencies = frequencyDimension;
        mlp = new DualSequential(new FlaxLinear(frequencyDimension, hiddenSize, true, device, dtype), new DualSilu(),
            new FlaxLinear(hiddenSize, hiddenSize, true, device, dtype));
        RegisterComponents();
    }

    /// <summary>The two linear layers, for initialisation.</summary>
    internal DualLinear[] Linears => new[] { ((FlaxLinear)mlp[0]).Linear, ((FlaxLinear)mlp[2]).Linear };

    /// <summary>Embeds scalars (B,), tangent (K,) or none, into (B, D).</summary>
    public override Dual forward(Dual s)
    {
        using var scope = NewDisposeScope();
        return mlp.call(FrequencyEmbedding.Apply(s, _frequencies, scale: 1.0)).MoveToOuter(scope);
    }
}
