using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

/// <summary>
/// The MeanFlow diffusion transformer u_θ(z, r, t | c) (Geng et al. 2025, §5; laid out like the PyTorch
/// <c>MFDiT</c> of haidog-yaqub/MeanFlow): patch embedding plus a fixed 2-D sine-cosine position embedding;
/// conditioning c = Σ timestep embeddings of the time inputs (+ class embedding); DiT blocks with RMSNorm,
/// adaLN-Zero modulation and qk-norm attention; a modulated final layer; unpatchify. It propagates tangents
/// itself (<see cref="DualVelocityField"/>), so MeanFlow's JVP rides along the forward pass. The presets
/// (<see cref="B2"/>, …, <see cref="Tiny"/>, <see cref="Small"/>) are named factories, as DiT's <c>DiT_B_2</c>.
/// </summary>
/// <remarks>
/// <para>State-dict keys follow MFDiT's: <c>x_embedder.proj.{weight,bias}</c>, <c>pos_embed</c> (1, N, D),
/// <c>t_embedder.mlp.{0,2}.{weight,bias}</c> (input t), <c>r_embedder.mlp.*</c> (input r),
/// <c>interval_embedder.mlp.*</c> (input t − r; MFDiT has none), <c>y_embedder.embedding.weight</c> (K + 1, D),
/// <c>blocks.{i}.attn.{qkv,proj}.{weight,bias}</c>, <c>blocks.{i}.attn.{q,k}_norm.weight</c>,
/// <c>blocks.{i}.mlp.{fc1,fc2}.{weight,bias}</c>, <c>blocks.{i}.adaLN_modulation.1.{weight,bias}</c>,
/// <c>final_layer.linear.*</c>, <c>final_layer.adaLN_modulation.1.*</c>. The embedders are named after the
/// quantity they embed, so a checkpoint of MFDiT (which embeds (t, r)) loads only into a model with
/// <see cref="TimeConditioning.TimeAndStart"/>; with another conditioning the loader reports the difference.</para>
/// <para><c>pos_embed</c> is a buffer (fixed, not trained), as in DiT; MFDiT trains it, and a loaded value is used as is.</para>
/// <para>For improved MeanFlow the model can embed guidance (<see cref="MeanFlowDiTConfig.Guidance"/>:
/// <c>w_embedder.mlp.*</c> of ω / <see cref="MeanFlowDiTConfig.MaxGuidanceScale"/>, and optionally
/// <c>t_min_embedder.mlp.*</c>, <c>t_max_embedder.mlp.*</c>) and carry a v output layer
/// (<see cref="MeanFlowDiTConfig.InstantaneousHead"/>: <c>final_layer_u.*</c> and <c>final_layer_v.*</c> replace
/// <c>final_layer.*</c>), the layout of the current MFDiT (<c>forward(x, t, r, y, w)</c> returning (u, v)), whose
/// checkpoints then load with <see cref="TimeConditioning.TimeAndStart"/>. Both heads read the same trunk and
/// conditioning; as a <see cref="IGuidedVelocityField"/> the model answers both.</para>
/// </remarks>
public sealed class MeanFlowDiT : TwoHeadDualVelocityField
{
    private readonly PatchEmbed x_embedder;
    private readonly TimestepEmbedder? t_embedder;
    private readonly TimestepEmbedder? r_embedder;
    private readonly TimestepEmbedder? interval_embedder;
    private readonly TimestepEmbedder? w_embedder;
    private readonly TimestepEmbedder? t_min_embedder;
    private readonly TimestepEmbedder? t_max_embedder;
    private readonly LabelEmbedder? y_embedder;
    private readonly Tensor pos_embed;
    private readonly ModuleList<DiTBlock> blocks;
    private readonly FinalLayer? final_layer;
    private readonly FinalLayer? final_layer_u;
    private readonly FinalLayer? final_layer_v;

    /// <summary>Creates the network and initialises it with <see cref="InitializeWeights"/> (u = 0 everywhere).</summary>
    /// <param name="config">The shape of the network.</param>
    /// <param name="generator">Source of the random initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
    public MeanFlowDiT(MeanFlowDiTConfig config, Generator? generator = null, Device? device = null, ScalarType? dtype = null)
        : base(nameof(MeanFlowDiT))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        long d = config.HiddenSize;
        var mode = config.Conditioning;
        x_embedder = new PatchEmbed(config.InChannels, d, config.PatchSize, true, device, dtype);
        if (mode != TimeConditioning.IntervalOnly) t_embedder = Timestep(config, device, dtype);
        if (mode is TimeConditioning.TimeAndStart or TimeConditioning.TimeStartAndInterval) r_embedder = Timestep(config, device, dtype);
        if (mode != TimeConditioning.TimeAndStart) interval_embedder = Timestep(config, device, dtype);
        if (config.Guidance != GuidanceInputs.None) w_embedder = Timestep(config, device, dtype);
        if (config.Guidance == GuidanceInputs.ScaleAndInterval)
        {
            t_min_embedder = Timestep(config, device, dtype);
            t_max_embedder = Timestep(config, device, dtype);
        }
        if (config.IsConditional) y_embedder = new LabelEmbedder(config.Classes, d, nullClass: true, device, dtype);
        pos_embed = SinCosPositionEmbedding.Create2D(d, config.GridSize, config.GridSize, dtype ?? get_default_dtype(), device)
            .unsqueeze(0).DetachFromDisposeScope();                                                       // (1, N, D)
        blocks = new ModuleList<DiTBlock>(Enumerable.Range(0, config.Depth)
            .Select(_ => new DiTBlock(d, config.Heads, config.MlpHiddenSize, device, dtype)).ToArray());
        var width = (long)config.PatchSize * config.PatchSize * config.InChannels;
        if (config.InstantaneousHead)
        {
            final_layer_u = new FinalLayer(d, width, device, dtype);
            final_layer_v = new FinalLayer(d, width, device, dtype);
        }
        else
        {
            final_layer = new FinalLayer(d, width, device, dtype);
        }
        RegisterComponents();
        InitializeWeights(generator);
    }

    /// <summary>The shape of the network.</summary>
    public MeanFlowDiTConfig Config { get; }

    /// <summary>The time inputs of the network.</summary>
    public TimeConditioning Conditioning => Config.Conditioning;

    private protected override long LabelClasses => Config.Classes;

    /// <inheritdoc />
    /// <remarks>The v-head is the output layer <c>final_layer_v</c>, built with <see cref="MeanFlowDiTConfig.InstantaneousHead"/>.</remarks>
    public override bool HasInstantaneousHead => Config.InstantaneousHead;

    /// <summary>The network on pairs: u(z, r, t | c) on all B rows and, when the inputs carry tangents of their
    /// leading K rows, its JVP on those rows. A model with guidance inputs is evaluated at ω = 1 on [0, 1].</summary>
    /// <param name="z">Noisy images (B, C, S, S) with the model's dtype and device, tangent (K, C, S, S) or none.</param>
    /// <param name="r">Start times (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="t">End times (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="labels">For a class-conditional model, int64 (B,) in [0, K], K = <see cref="MeanFlowDiTConfig.Classes"/>
    /// being the null class ∅; <c>null</c> means ∅ for every row. An unconditional model takes no labels.</param>
    /// <returns>u, shape (B, C, S, S), and its tangent (K, C, S, S) when the inputs have tangents.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, the inputs' tangents differ,
    /// or labels were given to an unconditional model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, K].</exception>
    public override Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null) =>
        LabelChecked(labels, () => Run(z, r, t, labels, null, average: true, instantaneous: false, instantaneousTangent: false)).Average!;

    /// <inheritdoc />
    private protected override (Dual? Average, Dual? Instantaneous) Run(Dual z, Dual r, Dual t, Tensor? labels, GuidanceConditions? guidance,
        bool average, bool instantaneous, bool instantaneousTangent)
    {
        FieldInputs.Check(z, r, t, labels, new long[] { Config.InChannels, Config.InputSize, Config.InputSize },
            x_embedder.Projection.Weight, Config.Classes);
        if (guidance is not null) FieldInputs.CheckGuidance(guidance, z.Primal);
        using var scope = NewDisposeScope();
        var x = x_embedder.call(z) + pos_embed;                                               // (B, N, D)
        var c = EmbedTimes(r, t);                                                             // (B, D)
        if (w_embedder is not null) c = c + EmbedGuidance(z.Primal, guidance);                // (B, D)
        if (y_embedder is not null) c = c + y_embedder.call(labels ?? NullLabels(z.Primal));  // (B, D)
        foreach (var block in blocks) x = block.call(x, c);                                   // (B, N, D)
        var u = average ? Output(final_layer_u ?? final_layer!, x, c).MoveToOuter(scope) : null;   // (B, C, S, S)
        if (!instantaneous) return (u, null);
        if (!instantaneousTangent) (x, c) = (new Dual(x.Primal), new Dual(c.Primal));
        return (u, Output(final_layer_v!, x, c).MoveToOuter(scope));
    }

    private Dual Output(FinalLayer layer, Dual x, Dual c)
    {
        var g = Config.GridSize;
        return Unpatchify.Apply(layer.call(x, c), Config.InChannels, Config.PatchSize, g, g);   // (B, N, p·p·C) → (B, C, S, S)
    }

    /// <summary>w_embedder(ω / max) (+ t_min_embedder(t_min) + t_max_embedder(t_max)), constants for the tangent;
    /// ω = 1 on [0, 1] when no guidance is given.</summary>
    private Tensor EmbedGuidance(Tensor z, GuidanceConditions? guidance)
    {
        guidance ??= GuidanceConditions.None(z.shape[0], z.dtype, z.device);
        var sum = w_embedder!.call(new Dual(guidance.Scale / Config.MaxGuidanceScale)).Primal;
        if (t_min_embedder is not null)
            sum = sum + t_min_embedder.call(new Dual(guidance.IntervalStart)).Primal + t_max_embedder!.call(new Dual(guidance.IntervalEnd)).Primal;
        return sum;
    }

    private protected override string? MissingInstantaneousHeadMessage => HasInstantaneousHead ? null :
        $"This {nameof(MeanFlowDiT)} has no v output layer; build it with {nameof(MeanFlowDiTConfig)}(…, instantaneousHead: true) " +
        "for improved MeanFlow, or use its single-head view (AverageVelocity).";

    /// <summary>Σ of the timestep embeddings of the time inputs, in MFDiT's order (t first): the embedders present,
    /// in the order t, r, t − r, are those of <see cref="TimeConditioningExtensions.Inputs"/>.</summary>
    private Dual EmbedTimes(Dual r, Dual t) => TimeInputs.Of(Conditioning, r, t)
        .Zip(new[] { t_embedder, r_embedder, interval_embedder }.OfType<TimestepEmbedder>(), (input, embedder) => embedder.call(input))
        .Aggregate((sum, embedding) => sum + embedding);

    private Tensor NullLabels(Tensor z) => full(z.shape[0], (long)Config.Classes, dtype: ScalarType.Int64, device: z.device);

    private static TimestepEmbedder Timestep(MeanFlowDiTConfig config, Device? device, ScalarType? dtype) =>
        new(config.HiddenSize, config.FrequencyDimension, config.TimeScale, device: device, dtype: dtype);

    /// <summary>
    /// DiT's <c>initialize_weights</c>: every linear layer xavier-uniform with zero bias; the patch embedding like a
    /// linear layer (xavier-uniform on its weight viewed as (D, C·p·p)); the sine-cosine table into
    /// <c>pos_embed</c>; the class table and the timestep MLPs' weights N(0, 0.02²); and zero for every adaLN
    /// modulation output and for the final linear layer. The network then outputs u = 0 for every input, and
    /// its JVP is 0.
    /// </summary>
    /// <param name="generator">Source of the random values; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    public void InitializeWeights(Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var linear in modules().OfType<DualLinear>())
        {
            XavierUniform(linear.Weight, generator);
            linear.Bias?.zero_();
        }
        var projection = x_embedder.Projection;
        XavierUniform(projection.Weight.view(projection.OutChannels, -1), generator);
        projection.Bias?.zero_();

        var g = Config.GridSize;
        pos_embed.copy_(SinCosPositionEmbedding.Create2D(Config.HiddenSize, g, g, ScalarType.Float64).unsqueeze(0));
        y_embedder?.Weight.normal_(0, 0.02, generator);
        foreach (var embedder in new[] { t_embedder, r_embedder, interval_embedder, w_embedder, t_min_embedder, t_max_embedder })
        {
            if (embedder is null) continue;
            foreach (var (name, parameter) in embedder.named_parameters())
                if (name.EndsWith("weight", StringComparison.Ordinal)) parameter.normal_(0, 0.02, generator);
        }
        foreach (var block in blocks)
        {
            block.AdaLNModulation.Weight.zero_();
            block.AdaLNModulation.Bias!.zero_();
        }
        foreach (var layer in new[] { final_layer, final_layer_u, final_layer_v }.OfType<FinalLayer>())
            foreach (var linear in new[] { layer.AdaLNModulation, layer.Linear })
            {
                linear.Weight.zero_();
                linear.Bias!.zero_();
            }
    }

    /// <summary>Glorot/Xavier uniform for a (fan_out, fan_in) matrix: U(±√(6 / (fan_in + fan_out))), as
    /// <c>nn.init.xavier_uniform_</c> (written out because TorchSharp's takes no generator).</summary>
    private static void XavierUniform(Tensor weight, Generator? generator)
    {
        var bound = Math.Sqrt(6.0 / (weight.shape[0] + weight.shape[1]));
        weight.uniform_(-bound, bound, generator);
    }

    // Presets: the paper's backbones (Geng et al. 2025, Table 2: B/2, M/2, L/2, XL/2 on 32×32×4 latents of ImageNet
    // 256) and two CPU-sized ones. Parameter counts are of the trainable parameters at the default arguments; the
    // fixed pos_embed buffer (N·D values) comes on top in the state dict. MeanFlowDiTPresetTests checks them against a
    // count written out from the architecture.

    /// <summary>MeanFlow-B/2: depth 12, hidden 768, 12 heads, patch 2. 131,093,008 parameters for 32×32×4 and 1000
    /// classes with (t, t − r) (DiT-B/2 has 130.5 M: one time embedder fewer, no qk-norm, 8 output channels).</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 1000.</param>
    /// <param name="inputSize">Latent height and width. The default is 32.</param>
    /// <param name="inChannels">Latent channels. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="timeScale">Times are multiplied by this before the sinusoidal embedding, finite and non-zero. The
    /// default is 1000, as in the MeanFlow DiT; MeanFlow trained from scratch on MNIST only with a small scale such as 1.</param>
    /// <param name="generator">Source of the initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static MeanFlowDiT B2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, double timeScale = 1000.0,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        Paper(768, 12, 12, classes, inputSize, inChannels, conditioning, timeScale, generator, device, dtype);

    /// <summary>MeanFlow-M/2: depth 16, hidden 1024, 16 heads, patch 2. 308,021,264 parameters for 32×32×4 and 1000 classes.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static MeanFlowDiT M2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, double timeScale = 1000.0,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        Paper(1024, 16, 16, classes, inputSize, inChannels, conditioning, timeScale, generator, device, dtype);

    /// <summary>MeanFlow-L/2: depth 24, hidden 1024, 16 heads, patch 2. 459,140,112 parameters for 32×32×4 and 1000 classes.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static MeanFlowDiT L2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, double timeScale = 1000.0,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        Paper(1024, 24, 16, classes, inputSize, inChannels, conditioning, timeScale, generator, device, dtype);

    /// <summary>MeanFlow-XL/2: depth 28, hidden 1152, 16 heads, patch 2. 676,444,624 parameters for 32×32×4 and 1000 classes.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static MeanFlowDiT XL2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, double timeScale = 1000.0,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        Paper(1152, 28, 16, classes, inputSize, inChannels, conditioning, timeScale, generator, device, dtype);

    /// <summary>A CPU-sized model for 28×28 grey images (MNIST, Fashion-MNIST): depth 4, hidden 128, 4 heads,
    /// patch 4 (49 tokens). 1,325,072 parameters for 28×28×1 and 10 classes (1,321,988 with patch 2, 196 tokens).</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 10.</param>
    /// <param name="inputSize">Image height and width. The default is 28.</param>
    /// <param name="inChannels">Image channels. The default is 1.</param>
    /// <param name="patchSize">Patch size, dividing <paramref name="inputSize"/>. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="timeScale">As for <see cref="B2"/>. The default is 1000.</param>
    /// <param name="generator">Source of the initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static MeanFlowDiT Tiny(int classes = 10, int inputSize = 28, int inChannels = 1, int patchSize = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, double timeScale = 1000.0,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(new MeanFlowDiTConfig(inputSize, inChannels, patchSize, 128, 4, 4, classes, conditioning, timeScale: timeScale), generator, device, dtype);

    /// <summary>A CPU-sized model for 32×32 colour images (CIFAR-10): depth 6, hidden 256, 4 heads, patch 4
    /// (64 tokens). 7,524,144 parameters for 32×32×3 and 10 classes (7,505,676 with patch 2, 256 tokens).
    /// Smaller than DiT-S (depth 12, hidden 384).</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 10.</param>
    /// <param name="inputSize">Image height and width. The default is 32.</param>
    /// <param name="inChannels">Image channels. The default is 3.</param>
    /// <param name="patchSize">Patch size, dividing <paramref name="inputSize"/>. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="timeScale">As for <see cref="B2"/>. The default is 1000.</param>
    /// <param name="generator">Source of the initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The initialised network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public static MeanFlowDiT Small(int classes = 10, int inputSize = 32, int inChannels = 3, int patchSize = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, double timeScale = 1000.0,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(new MeanFlowDiTConfig(inputSize, inChannels, patchSize, 256, 6, 4, classes, conditioning, timeScale: timeScale), generator, device, dtype);

    private static MeanFlowDiT Paper(int hiddenSize, int depth, int heads, int classes, int inputSize, int inChannels,
        TimeConditioning conditioning, double timeScale, Generator? generator, Device? device, ScalarType? dtype) =>
        new(new MeanFlowDiTConfig(inputSize, inChannels, 2, hiddenSize, depth, heads, classes, conditioning, timeScale: timeScale),
            generator, device, dtype);
}
