using System;
using MeanFlow.Fields;
using MeanFlow.Internal;

namespace MeanFlow.Models.DiT;

/// <summary>
/// The shape of a <see cref="MeanFlowDiT"/>: image and patch size, width, depth, heads, classes and time
/// conditioning. Validated on construction; immutable. The presets are named factories of the model
/// (<see cref="MeanFlowDiT.B2"/>, …); a built model's configuration is <see cref="MeanFlowDiT.Config"/>.
/// </summary>
public sealed class MeanFlowDiTConfig
{
    /// <summary>Creates and validates the configuration.</summary>
    /// <param name="inputSize">S, the height and width of the (square) input, ≥ 1, divisible by <paramref name="patchSize"/>.</param>
    /// <param name="inChannels">C, the input (and output) channels, ≥ 1.</param>
    /// <param name="patchSize">p, the patch size, ≥ 1.</param>
    /// <param name="hiddenSize">D, the token width: a positive multiple of 4 (for the 2-D sine-cosine position
    /// embedding) divisible by <paramref name="heads"/>.</param>
    /// <param name="depth">Number of transformer blocks, ≥ 1.</param>
    /// <param name="heads">H, attention heads, ≥ 1.</param>
    /// <param name="classes">Number of classes for a class-conditional model (index <paramref name="classes"/> is
    /// the null class ∅ of classifier-free guidance), or 0 for an unconditional model. The default is 0.</param>
    /// <param name="conditioning">The time inputs; one timestep embedder per input. The default is
    /// <see cref="TimeConditioning.TimeAndInterval"/>, (t, t − r), the paper's.</param>
    /// <param name="mlpRatio">Width of the MLP hidden layer relative to D (truncated to an integer, as
    /// <c>int(dim * mlp_ratio)</c>), finite and &gt; 0. The default is 4.</param>
    /// <param name="frequencyDimension">F, the width of each time input's sinusoidal embedding, ≥ 2. The default is 256.</param>
    /// <param name="timeScale">Times in [0, 1] are multiplied by this before the sinusoidal embedding, finite and
    /// non-zero. The default is 1000, as in the MeanFlow DiT.</param>
    /// <param name="guidance">The guidance conditions embedded (improved MeanFlow). The default is
    /// <see cref="GuidanceInputs.None"/>.</param>
    /// <param name="maxGuidanceScale">ω is divided by this before its embedding (MFDiT's <c>max_cfg</c>), finite and
    /// &gt; 0. The default is 4, MFDiT's.</param>
    /// <param name="instantaneousHead">Whether the model has a second output layer for the instantaneous velocity v
    /// (improved MeanFlow): then the output layers are <c>final_layer_u</c> and <c>final_layer_v</c>, as in the current
    /// MFDiT, instead of <c>final_layer</c>. The default is <c>false</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range; the message names it and the value.</exception>
    public MeanFlowDiTConfig(int inputSize, int inChannels, int patchSize, int hiddenSize, int depth, int heads,
        int classes = 0, TimeConditioning conditioning = TimeConditioning.TimeAndInterval, double mlpRatio = 4.0,
        int frequencyDimension = 256, double timeScale = 1000.0, GuidanceInputs guidance = GuidanceInputs.None,
        double maxGuidanceScale = 4.0, bool instantaneousHead = false)
    {
        Guard.Positive(inputSize, nameof(inputSize));
        Guard.Positive(inChannels, nameof(inChannels));
        Guard.Positive(patchSize, nameof(patchSize));
        if (inputSize % patchSize != 0)
            throw new ArgumentOutOfRangeException(nameof(patchSize), patchSize, $"patchSize must divide inputSize ({inputSize}); got {patchSize}.");
        if (hiddenSize < 4 || hiddenSize % 4 != 0)
            throw new ArgumentOutOfRangeException(nameof(hiddenSize), hiddenSize, $"hiddenSize must be a positive multiple of 4; got {hiddenSize}.");
        Guard.Positive(depth, nameof(depth));
        Guard.Positive(heads, nameof(heads));
        if (hiddenSize % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"heads must divide hiddenSize ({hiddenSize}); got {heads}.");
        ArgumentOutOfRangeException.ThrowIfNegative(classes);
        if (!Enum.IsDefined(conditioning))
            throw new ArgumentOutOfRangeException(nameof(conditioning), conditioning, $"conditioning must be a defined {nameof(TimeConditioning)}; got {conditioning}.");
        if (!(mlpRatio > 0) || !double.IsFinite(mlpRatio) || (int)(hiddenSize * mlpRatio) < 1)
            throw new ArgumentOutOfRangeException(nameof(mlpRatio), mlpRatio, $"mlpRatio must be finite and give an MLP width ≥ 1 (hiddenSize × mlpRatio); got {mlpRatio}.");
        Guard.AtLeast(frequencyDimension, 2, nameof(frequencyDimension));
        Guard.NonZero(timeScale, nameof(timeScale));
        if (!Enum.IsDefined(guidance))
            throw new ArgumentOutOfRangeException(nameof(guidance), guidance, $"guidance must be a defined {nameof(GuidanceInputs)}; got {guidance}.");
        Guard.Positive(maxGuidanceScale, nameof(maxGuidanceScale));
        InputSize = inputSize;
        InChannels = inChannels;
        PatchSize = patchSize;
        HiddenSize = hiddenSize;
        Depth = depth;
        Heads = heads;
        Classes = classes;
        Conditioning = conditioning;
        MlpRatio = mlpRatio;
        FrequencyDimension = frequencyDimension;
        TimeScale = timeScale;
        Guidance = guidance;
        MaxGuidanceScale = maxGuidanceScale;
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

    /// <summary>Number of transformer blocks.</summary>
    public int Depth { get; }

    /// <summary>H, attention heads.</summary>
    public int Heads { get; }

    /// <summary>Number of classes; 0 for an unconditional model.</summary>
    public int Classes { get; }

    /// <summary>The time inputs of the network.</summary>
    public TimeConditioning Conditioning { get; }

    /// <summary>MLP width relative to D.</summary>
    public double MlpRatio { get; }

    /// <summary>F, the width of each sinusoidal time embedding.</summary>
    public int FrequencyDimension { get; }

    /// <summary>Factor on times before the sinusoidal embedding.</summary>
    public double TimeScale { get; }

    /// <summary>The guidance conditions embedded.</summary>
    public GuidanceInputs Guidance { get; }

    /// <summary>The divisor of ω before its embedding.</summary>
    public double MaxGuidanceScale { get; }

    /// <summary>Whether the model has the v output layer (<c>final_layer_v</c>).</summary>
    public bool InstantaneousHead { get; }

    /// <summary>S / p, patches per row and per column.</summary>
    public int GridSize => InputSize / PatchSize;

    /// <summary>N = (S / p)², the number of tokens.</summary>
    public int Tokens => GridSize * GridSize;

    /// <summary>The MLP hidden width, ⌊D · <see cref="MlpRatio"/>⌋.</summary>
    public int MlpHiddenSize => (int)(HiddenSize * MlpRatio);

    /// <summary>Whether the model is class-conditional (<see cref="Classes"/> &gt; 0).</summary>
    public bool IsConditional => Classes > 0;

    /// <inheritdoc />
    public override string ToString() =>
        $"MeanFlowDiT(input {InputSize}×{InputSize}×{InChannels}, patch {PatchSize}, depth {Depth}, hidden {HiddenSize}, heads {Heads}, " +
        $"classes {Classes}, {Conditioning}" + (Guidance == GuidanceInputs.None ? "" : $", guidance {Guidance}") +
        (InstantaneousHead ? ", v-head" : "") + ")";
}
