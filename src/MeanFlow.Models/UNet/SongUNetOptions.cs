using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Internal;
using MeanFlow.Models.DiT;

namespace MeanFlow.Models.UNet;

/// <summary>
/// The configuration of a <see cref="SongUNet"/>, EDM's SongUNet (DDPM++: positional time embedding, standard
/// encoder and decoder) with MeanFlow's two time inputs. Validated on construction; immutable. The defaults are
/// the official MeanFlow CIFAR-10 network (py-meanflow <c>MODEL_CONFIGS["unet"]</c> with EDM's SongUNet
/// defaults for the rest), so <c>new SongUNetOptions(32, 3)</c> is the network of <see cref="SongUNet.MeanFlowCifar10"/>; the presets are
/// named factories of <see cref="SongUNet"/>.
/// </summary>
public sealed class SongUNetOptions
{
    /// <summary>Creates and validates the options.</summary>
    /// <param name="resolution">Image height and width R, divisible by 2^(levels − 1) (28 → 14 → 7 works).</param>
    /// <param name="inChannels">Image channels, ≥ 1.</param>
    /// <param name="outChannels">Output channels, ≥ 1; <c>null</c> for <paramref name="inChannels"/> (a velocity has the image's shape).</param>
    /// <param name="modelChannels">Base channel count C (EDM <c>model_channels</c>). The default is 128.</param>
    /// <param name="channelMultipliers">Channels per resolution level as multiples of C (EDM <c>channel_mult</c>); one
    /// level per entry, each but the last followed by a 2× downsampling. <c>null</c> for [2, 2, 2].</param>
    /// <param name="embeddingMultiplier">The embedding vector has C·this channels (EDM <c>channel_mult_emb</c>). The default is 4.</param>
    /// <param name="blocksPerResolution">Residual blocks per level in the encoder (the decoder has one more). The default is 4.</param>
    /// <param name="attentionResolutions">Resolutions whose blocks have self-attention, each one of the levels' R, R/2, …;
    /// <c>null</c> for { R/2 } (EDM's [16] at 32×32). The decoder's first block always has attention.</param>
    /// <param name="dropout">Dropout probability in [0, 1) before each block's second convolution. The default is 0.2 (py-meanflow CIFAR-10).</param>
    /// <param name="noiseMultiplier">Each time input is embedded into C·this sinusoidal channels (EDM <c>channel_mult_noise</c>). The default is 2 (py-meanflow).</param>
    /// <param name="resampleFilter">1-D taps of the resampling filter, even count; <c>null</c> for [1, 3, 3, 1] (py-meanflow; EDM's DDPM++ uses [1, 1]).</param>
    /// <param name="conditioning">Which functions of (r, t) are embedded. The default is (t, t − r), the paper's and py-meanflow's.</param>
    /// <param name="timeScale">Times are multiplied by this before the embedding. The default is 1 (py-meanflow embeds t ∈ [0, 1] directly).</param>
    /// <param name="maxPeriod">Longest period of the sinusoidal embedding (EDM <c>max_positions</c>). The default is 10000.</param>
    /// <param name="classes">Number of classes of a conditional network, or 0 for an unconditional one. Label
    /// <paramref name="classes"/> is the null class (an all-zero one-hot vector, as EDM's label dropout). The default is 0.</param>
    /// <param name="attentionHeads">Heads of every attention, dividing the channels where attention is used. The default is 1 (DDPM++).</param>
    /// <param name="qkvLayout">Layout of the qkv channels. The default is <see cref="QkvLayout.Stacked"/> (py-meanflow).</param>
    /// <param name="guidance">The guidance conditions embedded (improved MeanFlow): 1 − 1/ω (and t_min, t_max) each get the
    /// time inputs' positional embedding, and <c>map_guidance</c> (no bias) maps them into the first mapping layer's output,
    /// as if they were extra inputs of <c>map_layer0</c>. The default is <see cref="GuidanceInputs.None"/> (the network of
    /// py-meanflow; guidance arguments are ignored).</param>
    /// <param name="instantaneousHead">Whether the network has a second output head for the instantaneous velocity v
    /// (improved MeanFlow): <c>dec_v.RxR_aux_norm</c> and <c>dec_v.RxR_aux_conv</c>, a GroupNorm and a 3×3 convolution
    /// like the u output, reading the same decoder trunk. The default is <c>false</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range; the message names it and the value.</exception>
    public SongUNetOptions(
        int resolution,
        int inChannels,
        int? outChannels = null,
        int modelChannels = 128,
        IReadOnlyList<int>? channelMultipliers = null,
        int embeddingMultiplier = 4,
        int blocksPerResolution = 4,
        IReadOnlyList<int>? attentionResolutions = null,
        double dropout = 0.2,
        int noiseMultiplier = 2,
        IReadOnlyList<double>? resampleFilter = null,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval,
        double timeScale = 1.0,
        double maxPeriod = 10000,
        int classes = 0,
        int attentionHeads = 1,
        QkvLayout qkvLayout = QkvLayout.Stacked,
        GuidanceInputs guidance = GuidanceInputs.None,
        bool instantaneousHead = false)
    {
        Guard.Positive(resolution, nameof(resolution));
        Guard.Positive(inChannels, nameof(inChannels));
        Guard.Positive(outChannels ?? inChannels, nameof(outChannels));
        Guard.Positive(modelChannels, nameof(modelChannels));
        var multipliers = (channelMultipliers ?? new[] { 2, 2, 2 }).ToArray();
        if (multipliers.Length == 0 || multipliers.Any(m => m < 1))
            throw new ArgumentOutOfRangeException(nameof(channelMultipliers), EdmInit.Join(multipliers),
                $"channelMultipliers must be a non-empty list of positive integers; got {EdmInit.Join(multipliers)}.");
        var step = 1 << (multipliers.Length - 1);
        if (resolution % step != 0)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution,
                $"resolution must be divisible by 2^{multipliers.Length - 1} = {step} for {multipliers.Length} levels; got {resolution}.");
        Guard.Positive(embeddingMultiplier, nameof(embeddingMultiplier));
        Guard.Positive(blocksPerResolution, nameof(blocksPerResolution));
        var levels = Enumerable.Range(0, multipliers.Length).Select(l => resolution >> l).ToArray();
        var attention = (attentionResolutions ?? (levels.Length > 1 ? new[] { resolution / 2 } : Array.Empty<int>())).Distinct().ToArray();
        foreach (var a in attention)
            if (!levels.Contains(a))
                throw new ArgumentOutOfRangeException(nameof(attentionResolutions), a,
                    $"attentionResolutions must be among the levels' resolutions {EdmInit.Join(levels)}; got {a}.");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"dropout must lie in [0, 1); got {dropout}.");
        Guard.Positive(noiseMultiplier, nameof(noiseMultiplier));
        var noise = (long)modelChannels * noiseMultiplier;
        if (noise < 4 || noise % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier,
                $"modelChannels · noiseMultiplier (the sinusoidal channels per time input) must be even and ≥ 4; got {noise}.");
        var filter = (resampleFilter ?? new[] { 1.0, 3.0, 3.0, 1.0 }).ToArray();
        if (filter.Length < 2 || filter.Length % 2 != 0 || filter.Any(v => !double.IsFinite(v)) || filter.Sum() == 0)
            throw new ArgumentOutOfRangeException(nameof(resampleFilter), EdmInit.Join(filter),
                $"resampleFilter must have an even number (≥ 2) of finite taps with a non-zero sum; got {EdmInit.Join(filter)}.");
        _ = conditioning.InputCount();   // throws ArgumentOutOfRangeException naming the unknown mode
        Guard.NonZero(timeScale, nameof(timeScale));
        Guard.Positive(maxPeriod, nameof(maxPeriod));
        if (classes < 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"classes must be ≥ 0; got {classes}.");
        Guard.Positive(attentionHeads, nameof(attentionHeads));
        if (!Enum.IsDefined(qkvLayout)) throw new ArgumentOutOfRangeException(nameof(qkvLayout), qkvLayout, $"Unknown qkvLayout {qkvLayout}.");
        if (!Enum.IsDefined(guidance))
            throw new ArgumentOutOfRangeException(nameof(guidance), guidance, $"guidance must be a defined {nameof(GuidanceInputs)}; got {guidance}.");

        Resolution = resolution;
        InChannels = inChannels;
        OutChannels = outChannels ?? inChannels;
        ModelChannels = modelChannels;
        ChannelMultipliers = multipliers;
        EmbeddingMultiplier = embeddingMultiplier;
        BlocksPerResolution = blocksPerResolution;
        AttentionResolutions = attention;
        Dropout = dropout;
        NoiseMultiplier = noiseMultiplier;
        ResampleFilter = filter;
        Conditioning = conditioning;
        TimeScale = timeScale;
        MaxPeriod = maxPeriod;
        Classes = classes;
        AttentionHeads = attentionHeads;
        QkvLayout = qkvLayout;
        Guidance = guidance;
        InstantaneousHead = instantaneousHead;
        Layout = UNetLayout.Plan(this);   // checks GroupNorm group counts and heads against every block's channels
    }

    /// <summary>Image height and width R.</summary>
    public int Resolution { get; }

    /// <summary>Image channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Base channel count C.</summary>
    public int ModelChannels { get; }

    /// <summary>Channel multipliers per level.</summary>
    public IReadOnlyList<int> ChannelMultipliers { get; }

    /// <summary>Embedding width as a multiple of C.</summary>
    public int EmbeddingMultiplier { get; }

    /// <summary>Encoder blocks per level.</summary>
    public int BlocksPerResolution { get; }

    /// <summary>Resolutions with self-attention.</summary>
    public IReadOnlyList<int> AttentionResolutions { get; }

    /// <summary>Dropout probability.</summary>
    public double Dropout { get; }

    /// <summary>Sinusoidal channels per time input as a multiple of C.</summary>
    public int NoiseMultiplier { get; }

    /// <summary>Resampling filter taps.</summary>
    public IReadOnlyList<double> ResampleFilter { get; }

    /// <summary>Time inputs.</summary>
    public TimeConditioning Conditioning { get; }

    /// <summary>Factor on times before the embedding.</summary>
    public double TimeScale { get; }

    /// <summary>Longest period of the sinusoidal embedding.</summary>
    public double MaxPeriod { get; }

    /// <summary>Number of classes (0: unconditional); the null class is index <see cref="Classes"/>.</summary>
    public int Classes { get; }

    /// <summary>Attention heads.</summary>
    public int AttentionHeads { get; }

    /// <summary>Layout of the qkv channels.</summary>
    public QkvLayout QkvLayout { get; }

    /// <summary>The guidance conditions embedded (improved MeanFlow).</summary>
    public GuidanceInputs Guidance { get; }

    /// <summary>Whether the network has the v output head (<c>dec_v.*</c>).</summary>
    public bool InstantaneousHead { get; }

    /// <summary>Number of guidance inputs embedded: 0, 1 (1 − 1/ω) or 3 (1 − 1/ω, t_min, t_max).</summary>
    internal int GuidanceInputCount => Guidance switch { GuidanceInputs.Scale => 1, GuidanceInputs.ScaleAndInterval => 3, _ => 0 };

    /// <summary>Width of the embedding vector, C·<see cref="EmbeddingMultiplier"/>.</summary>
    public int EmbeddingChannels => ModelChannels * EmbeddingMultiplier;

    /// <summary>Sinusoidal channels per time input, C·<see cref="NoiseMultiplier"/>.</summary>
    public int NoiseChannels => ModelChannels * NoiseMultiplier;

    /// <summary>The encoder and decoder entries, in order.</summary>
    internal UNetLayout Layout { get; }
}
