using System;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable DiT <c>TimestepEmbedder</c>: the sinusoidal <see cref="FrequencyEmbedding"/> of a time
/// followed by <c>mlp</c> = Linear(F, D) → SiLU → Linear(D, D) (state-dict keys <c>mlp.0.*</c>, <c>mlp.2.*</c>).
/// The input tangent is dt, one scalar per tangent row (for MeanFlow's (t, t − r) conditioning: dt and dt − dr).
/// </summary>
public sealed class TimestepEmbedder : nn.Module<Dual, Dual>
{
    private readonly DualSequential mlp;

    /// <summary>Creates the embedder; the linear layers are initialised with N(0, 0.02²) weights and zero
    /// biases, as DiT's <c>initialize_weights</c>.</summary>
    /// <param name="hiddenSize">D, the output width, ≥ 1.</param>
    /// <param name="frequencyDimension">F, the width of the sinusoidal embedding, ≥ 2. The default is 256.</param>
    /// <param name="scale">Times are multiplied by this before the embedding. The default is 1000 (times in
    /// [0, 1], as the MeanFlow DiT).</param>
    /// <param name="maxPeriod">Longest period of the embedding. The default is 10000.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or factor is out of range.</exception>
    public TimestepEmbedder(long hiddenSize, long frequencyDimension = 256, double scale = 1000.0, double maxPeriod = 10000,
        Device? device = null, ScalarType? dtype = null) : base(nameof(TimestepEmbedder))
    {
        Guard.Positive(hiddenSize, nameof(hiddenSize));
        Guard.AtLeast(frequencyDimension, 2, nameof(frequencyDimension));
        Guard.NonZero(scale, nameof(scale));
        Guard.Positive(maxPeriod, nameof(maxPeriod));
        HiddenSize = hiddenSize;
        FrequencyDimension = frequencyDimension;
        Scale = scale;
        MaxPeriod = maxPeriod;
        var first = new DualLinear(frequencyDimension, hiddenSize, true, device, dtype);
        var second = new DualLinear(hiddenSize, hiddenSize, true, device, dtype);
        using (no_grad())
        {
            foreach (var layer in new[] { first, second })
            {
                layer.Weight.normal_(0, 0.02);
                layer.Bias!.zero_();
            }
        }
        mlp = new DualSequential(first, new DualSilu(), second);
        RegisterComponents();
    }

    /// <summary>D, the output width.</summary>
    public long HiddenSize { get; }

    /// <summary>F, the width of the sinusoidal embedding.</summary>
    public long FrequencyDimension { get; }

    /// <summary>The factor on times before the embedding.</summary>
    public double Scale { get; }

    /// <summary>The longest period of the embedding.</summary>
    public double MaxPeriod { get; }

    /// <summary>Embeds times and propagates their tangent.</summary>
    /// <param name="t">Times, shape (B,), tangent (K,) or none.</param>
    /// <returns>Shape (B, D), tangent (K, D).</returns>
    public override Dual forward(Dual t)
    {
        using var scope = NewDisposeScope();
        return mlp.call(FrequencyEmbedding.Apply(t, FrequencyDimension, Scale, MaxPeriod)).MoveToOuter(scope);
    }
}
