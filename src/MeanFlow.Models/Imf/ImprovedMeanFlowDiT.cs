using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.Imf;

/// <summary>
/// The improved MeanFlow (iMF) diffusion transformer (Geng et al. 2025b), laid out like the official PyTorch
/// <c>imfDiT</c> of Lyy-iiis/imeanflow: patch embedding; the class, 1 − 1/ω, t_min, t_max and h = t − r each embedded
/// and added to its own learned in-context tokens, prepended to the patches (in that order); a shared trunk of
/// <see cref="GatedTransformerBlock"/>s (RoPE attention with qk RMSNorm, SwiGLU, zero-initialised vector gates), then a
/// u-head and a v-head of <see cref="ImprovedMeanFlowDiTConfig.AuxHeadDepth"/> blocks each; per head a final RMSNorm
/// and linear layer on the patch tokens; unpatchify. It propagates tangents itself, so the JVP of either head rides
/// along the forward pass. The time t itself is not an input (only h = t − r, as upstream).
/// </summary>
/// <remarks>
/// <para>State-dict keys are the official ones without the <c>net.</c> prefix of the converted <c>.pth</c> files
/// (load those with <see cref="ConvertedCheckpointOptions"/>): <c>x_embedder.proj.*</c>,
/// <c>{h,omega,cfg_t_start,cfg_t_end}_embedder.mlp.{0,2}._flax_linear.*</c>,
/// <c>y_embedder.embedding_table._flax_embedding.weight</c> (K + 1, D), <c>{time,class,omega,t_min,t_max}_tokens</c>,
/// <c>{shared_blocks,u_heads,v_heads}.{i}.{norm1,norm2,attn_scale,mlp_scale,attn.*,mlp.*}</c>,
/// <c>{u,v}_final_layer.{norm.weight,linear._flax_linear.*}</c>.</para>
/// <para>Without the v-head blocks (<see cref="ImprovedMeanFlowDiTConfig.InstantaneousHead"/> false, the official
/// "inference" checkpoints), the v output is <c>v_final_layer</c> applied to the trunk's output, as upstream computes
/// it; it is not a trained velocity, and <see cref="HasInstantaneousHead"/> says so.</para>
/// <para>As an <see cref="IVelocityField"/> the model answers u at ω = 1 on the interval [0, 1] (no guidance), so the
/// samplers and objectives of single-head fields work with it.</para>
/// </remarks>
public sealed class ImprovedMeanFlowDiT : TwoHeadDualVelocityField
{
    // The official initialisation constants (imfDiT: weight_init_constant, embedding and token constants).
    private const double BlockInitConstant = 0.32;
    private const double EmbeddingInitConstant = 1.0;
    private const double TokenInitConstant = 1.0;

    private readonly PatchEmbed x_embedder;
    private readonly ScalarEmbedder h_embedder;
    private readonly ScalarEmbedder omega_embedder;
    private readonly ScalarEmbedder cfg_t_start_embedder;
    private readonly ScalarEmbedder cfg_t_end_embedder;
    private readonly ClassEmbedder y_embedder;
    private readonly Parameter time_tokens;
    private readonly Parameter class_tokens;
    private readonly Parameter omega_tokens;
    private readonly Parameter t_min_tokens;
    private readonly Parameter t_max_tokens;
    private readonly ModuleList<GatedTransformerBlock> shared_blocks;
    private readonly ModuleList<GatedTransformerBlock> u_heads;
    private readonly ModuleList<GatedTransformerBlock> v_heads;
    private readonly ImfOutputLayer u_final_layer;
    private readonly ImfOutputLayer v_final_layer;

    /// <summary>Creates the network and initialises it with <see cref="InitializeWeights"/> (u = v = 0 everywhere).</summary>
    /// <param name="config">The shape of the network.</param>
    /// <param name="generator">Source of the random initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
    public ImprovedMeanFlowDiT(ImprovedMeanFlowDiTConfig config, Generator? generator = null, Device? device = null, ScalarType? dtype = null)
        : base(nameof(ImprovedMeanFlowDiT))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        long d = config.HiddenSize, f = config.FrequencyDimension;
        x_embedder = new PatchEmbed(config.InChannels, d, config.PatchSize, true, device, dtype);
        h_embedder = new ScalarEmbedder(d, f, device, dtype);
        omega_embedder = new ScalarEmbedder(d, f, device, dtype);
        cfg_t_start_embedder = new ScalarEmbedder(d, f, device, dtype);
        cfg_t_end_embedder = new ScalarEmbedder(d, f, device, dtype);
        y_embedder = new ClassEmbedder(config.Classes, d, device, dtype);
        Parameter Tokens(int count) => new(zeros(new long[] { count, d }, dtype: dtype, device: device));
        time_tokens = Tokens(config.TimeTokens);
        class_tokens = Tokens(config.ClassTokens);
        omega_tokens = Tokens(config.GuidanceTokens);
        t_min_tokens = Tokens(config.IntervalTokens);
        t_max_tokens = Tokens(config.IntervalTokens);
        ModuleList<GatedTransformerBlock> Blocks(int count) => new(Enumerable.Range(0, count)
            .Select(_ => new GatedTransformerBlock(d, config.Heads, config.MlpHiddenSize, device, dtype)).ToArray());
        shared_blocks = Blocks(config.SharedDepth);
        u_heads = Blocks(config.AuxHeadDepth);
        v_heads = Blocks(config.InstantaneousHead ? config.AuxHeadDepth : 0);
        var width = (long)config.PatchSize * config.PatchSize * config.InChannels;
        u_final_layer = new ImfOutputLayer(d, width, device, dtype);
        v_final_layer = new ImfOutputLayer(d, width, device, dtype);
        RegisterComponents();
        InitializeWeights(generator);
    }

    /// <summary>The options that load an official converted checkpoint (<c>iMF-*.pth</c>, full or inference) through
    /// <see cref="StateDictFile.Load"/>: strict, with the <c>net.</c> prefix of the iMeanFlow wrapper removed. Build the
    /// model with <see cref="ImprovedMeanFlowDiTConfig.InstantaneousHead"/> false for an inference checkpoint.</summary>
    public static StateDictLoadOptions ConvertedCheckpointOptions { get; } = new(stripPrefix: "net.");

    /// <summary>The shape of the network.</summary>
    public ImprovedMeanFlowDiTConfig Config { get; }

    /// <inheritdoc />
    /// <remarks>The v-head is the blocks <c>v_heads</c> (built with <see cref="ImprovedMeanFlowDiTConfig.InstantaneousHead"/>)
    /// and the output layer <c>v_final_layer</c>. Without the blocks the two-head members still answer, with
    /// <c>v_final_layer</c> applied to the trunk's output as upstream computes it: that v is not a trained velocity.</remarks>
    public override bool HasInstantaneousHead => Config.InstantaneousHead;

    /// <summary>u(z, r, t | c) without guidance (ω = 1 on [0, 1]) on all B rows and, when the inputs carry tangents of
    /// their leading K rows, its JVP on those rows. The v-head is not evaluated.</summary>
    /// <param name="z">Noisy images (B, C, S, S) with the model's dtype and device, tangent (K, C, S, S) or none.</param>
    /// <param name="r">Start times (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="t">End times (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="labels">Int64 (B,) in [0, K], K = <see cref="ImprovedMeanFlowDiTConfig.Classes"/> being the null
    /// class ∅; <c>null</c> means ∅ for every row. An unconditional model (K = 0) takes no labels.</param>
    /// <returns>u, shape (B, C, S, S), and its tangent (K, C, S, S) when the inputs have tangents.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, or the inputs' tangents differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public override Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null) =>
        LabelChecked(labels, () => Run(z, r, t, labels, null, average: true, instantaneous: false, instantaneousTangent: false)).Average!;

    /// <summary>The classes K (labels in [0, K]); named when a label is out of range.</summary>
    private protected override long LabelClasses => Config.Classes;

    /// <summary>The v output is always there (<c>v_final_layer</c>, on the v-head blocks or on the trunk).</summary>
    private protected override string? MissingInstantaneousHeadMessage => null;

    /// <inheritdoc />
    /// <remarks>No guidance is ω = 1 on [0, 1].</remarks>
    private protected override (Dual? Average, Dual? Instantaneous) Run(Dual z, Dual r, Dual t, Tensor? labels, GuidanceConditions? guidance,
        bool average, bool instantaneous, bool instantaneousTangent)
    {
        var c = Config;
        FieldInputs.Check(z, r, t, labels, new long[] { c.InChannels, c.InputSize, c.InputSize }, x_embedder.Projection.Weight, c.Classes);
        if (guidance is not null) FieldInputs.CheckGuidance(guidance, z.Primal);
        using var scope = NewDisposeScope();
        guidance ??= GuidanceConditions.None(z.Rows, z.Primal.dtype, z.Primal.device);
        long? k = z.HasTangent ? z.TangentRows : null;
        Dual Constant(Tensor embedding) => Dual.Constant(embedding, k);
        var p = z.Primal;
        var classes = y_embedder.call(labels ?? full(p.shape[0], (long)c.Classes, dtype: ScalarType.Int64, device: p.device));  // (B, D)
        var omega = omega_embedder.call(new Dual(guidance.Scale.reciprocal().neg_().add_(1))).Primal;                            // 1 − 1/ω → (B, D)
        var start = cfg_t_start_embedder.call(new Dual(guidance.IntervalStart)).Primal;
        var end = cfg_t_end_embedder.call(new Dual(guidance.IntervalEnd)).Primal;
        var time = h_embedder.call(t - r);                                                                  // h = t − r → (B, D)
        var seq = InContextTokens.Prepend(new[]
        {
            InContextTokens.Condition(class_tokens, Constant(classes)),
            InContextTokens.Condition(omega_tokens, Constant(omega)),
            InContextTokens.Condition(t_min_tokens, Constant(start)),
            InContextTokens.Condition(t_max_tokens, Constant(end)),
            InContextTokens.Condition(time_tokens, time),
        }, x_embedder.call(z));                                                                             // (B, L, D)
        var rotary = RotaryEmbedding.Create(c.HeadDimension, c.SequenceLength, p.dtype, p.device);
        foreach (var block in shared_blocks) seq = block.call(seq, rotary);
        var u = average ? Output(u_final_layer, u_heads, seq, rotary).MoveToOuter(scope) : null;
        if (!instantaneous) return (u, null);
        var trunk = instantaneousTangent ? seq : new Dual(seq.Primal);
        return (u, Output(v_final_layer, v_heads, trunk, rotary).MoveToOuter(scope));
    }

    /// <summary>A head's blocks, then its output layer on the patch tokens, unpatchified: (B, C, S, S).</summary>
    private Dual Output(ImfOutputLayer layer, IEnumerable<GatedTransformerBlock> head, Dual seq, RotaryEmbedding rotary)
    {
        foreach (var block in head) seq = block.call(seq, rotary);
        var patches = seq.MapLinear(s => s.narrow(1, Config.PrefixTokens, Config.PatchTokens));             // (B, N, D)
        var g = Config.GridSize;
        return Unpatchify.Apply(layer.call(patches), Config.InChannels, Config.PatchSize, g, g);
    }

    /// <summary>
    /// The official initialisation (imfDiT): block linears N(0, (0.32/√fan_in)²); scalar-embedder linears
    /// N(0, 1/fan_in) with zero biases; the class table and the in-context tokens N(0, 1/D); the patch embedding
    /// xavier-uniform on its weight viewed as (D, C·p·p), zero bias; RMSNorm weights one; the residual gates and both
    /// output layers zero. The network then outputs u = v = 0 for every input.
    /// </summary>
    /// <param name="generator">Source of the random values; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    public void InitializeWeights(Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var d = Config.HiddenSize;
        foreach (var block in shared_blocks.Concat(u_heads).Concat(v_heads))
        {
            foreach (var linear in block.modules().OfType<DualLinear>())
                linear.Weight.normal_(0, BlockInitConstant / Math.Sqrt(linear.InFeatures), generator);
            foreach (var norm in block.modules().OfType<DualRmsNorm>()) norm.Weight!.fill_(1);
            block.AttentionGate.zero_();
            block.MlpGate.zero_();
        }
        foreach (var embedder in new[] { h_embedder, omega_embedder, cfg_t_start_embedder, cfg_t_end_embedder })
            foreach (var linear in embedder.Linears)
            {
                linear.Weight.normal_(0, EmbeddingInitConstant / Math.Sqrt(linear.InFeatures), generator);
                linear.Bias!.zero_();
            }
        y_embedder.Weight.normal_(0, EmbeddingInitConstant / Math.Sqrt(d), generator);
        foreach (var tokens in new[] { time_tokens, class_tokens, omega_tokens, t_min_tokens, t_max_tokens })
            tokens.normal_(0, TokenInitConstant / Math.Sqrt(d), generator);
        var projection = x_embedder.Projection;
        var weight = projection.Weight.view(projection.OutChannels, -1);
        var bound = Math.Sqrt(6.0 / (weight.shape[0] + weight.shape[1]));
        weight.uniform_(-bound, bound, generator);
        projection.Bias?.zero_();
        foreach (var layer in new[] { u_final_layer, v_final_layer })
        {
            foreach (var norm in layer.modules().OfType<DualRmsNorm>()) norm.Weight!.fill_(1);
            layer.Linear.Weight.zero_();
            layer.Linear.Bias!.zero_();
        }
    }

    // Presets: the official iMF backbones (imfDiT_B_2 … imfDiT_XL_2: 32×32×4 latents of ImageNet 256, 1000 classes,
    // 8 class, 4 time, 4 guidance and 2 + 2 interval tokens, SwiGLU ratio 8/3, 8 blocks per head) and a CPU-sized one.
    // Parameter counts are at the default arguments with the v-head blocks; ImprovedMeanFlowDiTPresetTests checks them
    // against a count written out from the architecture.

    /// <summary>iMF-B/2: depth 12 (4 shared + 8 per head), hidden 768, 12 heads, patch 2. 145,596,960 parameters for
    /// 32×32×4 and 1000 classes; 88,948,256 without the v-head blocks (the paper's 89M).</summary>
    /// <param name="classes">Classes. The default is 1000.</param>
    /// <param name="inputSize">Latent height and width. The default is 32.</param>
    /// <param name="inChannels">Latent channels. The default is 4.</param>
    /// <param name="instantaneousHead">Whether the v-head blocks exist (false for an inference checkpoint). The default is <c>true</c>.</param>
    /// <param name="generator">Source of the initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static ImprovedMeanFlowDiT B2(int classes = 1000, int inputSize = 32, int inChannels = 4, bool instantaneousHead = true,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        Official(768, 12, 12, classes, inputSize, inChannels, instantaneousHead, generator, device, dtype);

    /// <summary>iMF-M/2: depth 24 (16 shared + 8 per head), hidden 768, 12 heads, patch 2. 230,570,016 parameters;
    /// 173,921,312 without the v-head blocks.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static ImprovedMeanFlowDiT M2(int classes = 1000, int inputSize = 32, int inChannels = 4, bool instantaneousHead = true,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        Official(768, 24, 12, classes, inputSize, inChannels, instantaneousHead, generator, device, dtype);

    /// <summary>iMF-L/2: depth 32 (24 shared + 8 per head), hidden 1024, 16 heads, patch 2. 509,752,352 parameters;
    /// 409,071,648 without the v-head blocks.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static ImprovedMeanFlowDiT L2(int classes = 1000, int inputSize = 32, int inChannels = 4, bool instantaneousHead = true,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        Official(1024, 32, 16, classes, inputSize, inChannels, instantaneousHead, generator, device, dtype);

    /// <summary>iMF-XL/2: depth 48 (40 shared + 8 per head), hidden 1024, 16 heads, patch 2. 711,113,760 parameters;
    /// 610,433,056 without the v-head blocks.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static ImprovedMeanFlowDiT XL2(int classes = 1000, int inputSize = 32, int inChannels = 4, bool instantaneousHead = true,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        Official(1024, 48, 16, classes, inputSize, inChannels, instantaneousHead, generator, device, dtype);

    /// <summary>A CPU-sized model for 28×28 grey images (MNIST): depth 6 (4 shared + 2 per head), hidden 128, 4 heads,
    /// patch 4 (49 patches), 4 class, 2 time, 2 guidance and 1 + 1 interval tokens. 1,783,328 parameters for 28×28×1 and
    /// 10 classes (1,389,216 without the v-head blocks).</summary>
    /// <param name="classes">Classes. The default is 10.</param>
    /// <param name="inputSize">Image height and width. The default is 28.</param>
    /// <param name="inChannels">Image channels. The default is 1.</param>
    /// <param name="patchSize">Patch size, dividing <paramref name="inputSize"/>. The default is 4.</param>
    /// <param name="instantaneousHead">Whether the v-head blocks exist. The default is <c>true</c>.</param>
    /// <param name="generator">Source of the initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static ImprovedMeanFlowDiT Tiny(int classes = 10, int inputSize = 28, int inChannels = 1, int patchSize = 4,
        bool instantaneousHead = true, Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(new ImprovedMeanFlowDiTConfig(inputSize, inChannels, patchSize, 128, 6, 4, classes, auxHeadDepth: 2, classTokens: 4,
            timeTokens: 2, guidanceTokens: 2, intervalTokens: 1, instantaneousHead: instantaneousHead), generator, device, dtype);

    private static ImprovedMeanFlowDiT Official(int hiddenSize, int depth, int heads, int classes, int inputSize, int inChannels,
        bool instantaneousHead, Generator? generator, Device? device, ScalarType? dtype) =>
        new(new ImprovedMeanFlowDiTConfig(inputSize, inChannels, 2, hiddenSize, depth, heads, classes, instantaneousHead: instantaneousHead),
            generator, device, dtype);
}
