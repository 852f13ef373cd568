using System;
using MeanFlow.Internal;

namespace MeanFlow.Models.Imf;

/// <summary>
/// The shape of an <see cref="ImprovedMeanFlowDiT"/>: image and patch size, width, depth and head depth, heads,
/// classes, the in-context token counts, and whether the v-head blocks exist. Validated on construction; immutable.
/// The presets are named factories of the model (<see cref="ImprovedMeanFlowDiT.B2"/>, …).
/// </summary>
public sealed class ImprovedMeanFlowDiTConfig
{
    /// <summary>Creates and validates the configuration. Defaults are the official model's.</summary>
    /// <param name="inputSize">S, the height and width of the (square) input, ≥ 1, divisible by <paramref name="patchSize"/>.</param>
    /// <param name="inChannels">C, the input (and output) channels, ≥ 1.</param>
    /// <param name="patchSize">p, the patch size, ≥ 1.</param>
    /// <param name="hiddenSize">D, the token width, ≥ 2, divisible by <paramref name="heads"/> into heads of even width
    /// (rotary pairs).</param>
    /// <param name="depth">All transformer blocks on the u path: the shared trunk plus one head, ≥ 1.</param>
    /// <param name="heads">H, attention heads, ≥ 1.</param>
    /// <param name="classes">K, the number of classes (index K is the null class ∅, the unconditional input); 0 for an
    /// unconditional model, whose table then holds the null row only.</param>
    /// <param name="auxHeadDepth">Blocks of each head (u-head and v-head), in [0, <paramref name="depth"/>]; the trunk has
    /// depth − auxHeadDepth blocks. The default is 8, the official value.</param>
    /// <param name="classTokens">In-context tokens of the class, ≥ 1. The default is 8.</param>
    /// <param name="timeTokens">In-context tokens of h = t − r, ≥ 1. The default is 4.</param>
    /// <param name="guidanceTokens">In-context tokens of the guidance scale (1 − 1/ω), ≥ 1. The default is 4.</param>
    /// <param name="intervalTokens">In-context tokens of each end of the guidance interval (t_min and t_max), ≥ 1.
    /// The default is 2.</param>
    /// <param name="mlpRatio">SwiGLU hidden width relative to D (truncated, as <c>int(D · ratio)</c>), finite and
    /// &gt; 0. The default is 8/3.</param>
    /// <param name="frequencyDimension">F, the width of each scalar's sinusoidal embedding, ≥ 2. The default is 256.</param>
    /// <param name="instantaneousHead">Whether the v-head blocks exist. The official "inference" checkpoints drop them;
    /// such a model still has <c>v_final_layer</c>, applied to the trunk's output. The default is <c>true</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range; the message names it and the value.</exception>
    public ImprovedMeanFlowDiTConfig(int inputSize, int inChannels, int patchSize, int hiddenSize, int depth, int heads, int classes,
        int auxHeadDepth = 8, int classTokens = 8, int timeTokens = 4, int guidanceTokens = 4, int intervalTokens = 2,
        double mlpRatio = 8.0 / 3.0, int frequencyDimension = 256, bool instantaneousHead = true)
    {
        Guard.Positive(inputSize, nameof(inputSize));
        Guard.Positive(inChannels, nameof(inChannels));
        Guard.Positive(patchSize, nameof(patchSize));
        if (inputSize % patchSize != 0)
            throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, $"patchSize must divide inputSize ({inputSize}); got {patchSize}.");
        Guard.Positive(hiddenSize, nameof(hiddenSize));
        Guard.Positive(depth, nameof(depth));
        Guard.Positive(heads, nameof(heads));
        if (hiddenSize % heads != 0 || hiddenSize / heads % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads,
                $"heads must divide hiddenSize ({hiddenSize}) into heads of even width (rotary pairs); got {heads}.");
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        if (auxHeadDepth < 0 || auxHeadDepth > depth)
            throw new ArgumentOutOfRangeException(nameof(auxHeadDepth), auxHeadDepth, $"auxHeadDepth must lie in [0, depth = {depth}]; got {auxHeadDepth}.");
        Guard.Positive(classTokens, nameof(classTokens));
        Guard.Positive(timeTokens, nameof(timeTokens));
        Guard.Positive(guidanceTokens, nameof(guidanceTokens));
        Guard.Positive(intervalTokens, nameof(intervalTokens));
        if (!(mlpRatio > 0) || !double.IsFinite(mlpRatio) || (int)(hiddenSize * mlpRatio) < 1)
            throw new ArgumentOutOfRangeException(nameof(mlpRatio), mlpRatio,
                $"mlpRatio must be finite and give a hidden width ≥ 1 (hiddenSize × mlpRatio); got {Guard.Format(mlpRatio)}.");
        Guard.AtLeast(frequencyDimension, 2, nameof(frequencyDimension));
        InputSize = inputSize;
        InChannels = inChannels;
        PatchSize = patchSize;
        HiddenSize = hiddenSize;
        Depth = depth;
        Heads = heads;
        Classes = classes;
        AuxHeadDepth = auxHeadDepth;
        ClassTokens = classTokens;
        TimeTokens = timeTokens;
        GuidanceTokens = guidanceTokens;
        IntervalTokens = intervalTokens;
        MlpRatio = mlpRatio;
        FrequencyDimension = frequencyDimension;
        InstantaneousHead = instantaneousHead;
    }

    /// <summary>S, the height and width of the input.</summary>
    public int InputSize { get; }

    /// <summary>C, the input and output channels.</summary>
    public int InChannels { get; }

    /// <summary>p, the patch size.</summary>
    public int PatchSize { get; }

    /// <summary>D, the token width.</summary>
    public int HiddenSize { get; }

    /// <summary>Blocks on the u path (trunk plus u-head).</summary>
    public int Depth { get; }

    /// <summary>H, attention heads.</summary>
    public int Heads { get; }

    /// <summary>K, the number of classes; K is also the null class's index.</summary>
    public int Classes { get; }

    /// <summary>Blocks of each head.</summary>
    public int AuxHeadDepth { get; }

    /// <summary>Blocks of the shared trunk, <see cref="Depth"/> − <see cref="AuxHeadDepth"/>.</summary>
    public int SharedDepth => Depth - AuxHeadDepth;

    /// <summary>In-context tokens of the class.</summary>
    public int ClassTokens { get; }

    /// <summary>In-context tokens of h = t − r.</summary>
    public int TimeTokens { get; }

    /// <summary>In-context tokens of the guidance scale.</summary>
    public int GuidanceTokens { get; }

    /// <summary>In-context tokens of t_min and, as many, of t_max.</summary>
    public int IntervalTokens { get; }

    /// <summary>SwiGLU hidden width relative to D.</summary>
    public double MlpRatio { get; }

    /// <summary>F, the width of each sinusoidal scalar embedding.</summary>
    public int FrequencyDimension { get; }

    /// <summary>Whether the v-head blocks exist.</summary>
    public bool InstantaneousHead { get; }

    /// <summary>E = D / H, the width of a head.</summary>
    public int HeadDimension => HiddenSize / Heads;

    /// <summary>The SwiGLU hidden width, ⌊D · <see cref="MlpRatio"/>⌋.</summary>
    public int MlpHiddenSize => (int)(HiddenSize * MlpRatio);

    /// <summary>S / p, patches per row and per column.</summary>
    public int GridSize => InputSize / PatchSize;

    /// <summary>N = (S / p)², the patch tokens.</summary>
    public int PatchTokens => GridSize * GridSize;

    /// <summary>The in-context tokens in front of the patches: class + guidance + 2 × interval + time.</summary>
    public int PrefixTokens => ClassTokens + GuidanceTokens + 2 * IntervalTokens + TimeTokens;

    /// <summary>The sequence length, <see cref="PrefixTokens"/> + <see cref="PatchTokens"/>.</summary>
    public int SequenceLength => PrefixTokens + PatchTokens;

    /// <summary>The same configuration with or without the v-head blocks.</summary>
    /// <param name="instantaneousHead">Whether the v-head blocks exist.</param>
    /// <returns>The configuration.</returns>
    public ImprovedMeanFlowDiTConfig WithInstantaneousHead(bool instantaneousHead) =>
        new(InputSize, InChannels, PatchSize, HiddenSize, Depth, Heads, Classes, AuxHeadDepth, ClassTokens, TimeTokens,
            GuidanceTokens, IntervalTokens, MlpRatio, FrequencyDimension, instantaneousHead);

    /// <inheritdoc />
    public override string ToString() =>
        $"ImprovedMeanFlowDiT(input {InputSize}×{InputSize}×{InChannels}, patch {PatchSize}, depth {Depth} ({SharedDepth} shared + " +
        $"{AuxHeadDepth} per head{(InstantaneousHead ? "" : ", no v-head blocks")}), hidden {HiddenSize}, heads {Heads}, classes {Classes})";
}
