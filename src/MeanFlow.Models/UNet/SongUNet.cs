using System;
using System.Collections.Generic;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Models.DiT;
using MeanFlow.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.UNet;

/// <summary>
/// EDM's SongUNet (DDPM++) as a MeanFlow average-velocity field u_θ(z, r, t | c), as in the official MeanFlow
/// CIFAR-10 code (py-meanflow): each time input of <see cref="SongUNetOptions.Conditioning"/> — by default t and
/// t − r — gets EDM's positional embedding (sin/cos, <c>endpoint=True</c>), the embeddings are concatenated and
/// mapped by <c>map_layer0</c>/<c>map_layer1</c> (SiLU) to the embedding vector that every
/// <see cref="UNetBlock"/> adds to its features. It propagates tangents itself
/// (<see cref="DualVelocityField"/>), so MeanFlow's JVP rides along the forward pass on the rows with r ≠ t. The
/// presets (<see cref="MeanFlowCifar10"/>, <see cref="Small"/>) are named factories.
/// </summary>
/// <remarks>
/// <para>State-dict keys are EDM's <c>SongUNet</c> keys, so EDM or py-meanflow weights load by name
/// (docs/articles/backbones-unet.md has the full table):</para>
/// <list type="bullet">
/// <item><c>map_label.{weight,bias}</c> (conditional only), <c>map_layer0.*</c>, <c>map_layer1.*</c>; EDM's
/// <c>map_noise</c> has no state.</item>
/// <item><c>enc.RxR_conv.*</c>; <c>enc.RxR_down.*</c>, <c>enc.RxR_block{i}.*</c>, <c>dec.RxR_in0.*</c>,
/// <c>dec.RxR_in1.*</c>, <c>dec.RxR_up.*</c>, <c>dec.RxR_block{i}.*</c> (a <see cref="UNetBlock"/> each:
/// <c>norm0</c>, <c>conv0</c>, <c>affine</c>, <c>norm1</c>, <c>conv1</c>, <c>skip</c>, <c>norm2</c>, <c>qkv</c>,
/// <c>proj</c>); up/down convolutions also hold the buffer <c>resample_filter</c>.</item>
/// <item><c>dec.RxR_aux_norm.*</c> and <c>dec.RxR_aux_conv.*</c> at full resolution R.</item>
/// </list>
/// <para>Differences from EDM:
/// <c>map_layer0</c> takes (number of time inputs)·(noise channels) features; <c>map_label</c> maps to the same
/// width; there is no <c>map_augment</c>; <c>dec.*_aux_conv</c> starts at exactly zero (EDM: xavier × 1e-5),
/// so u = 0 at initialisation.</para>
/// <para>For improved MeanFlow (<see cref="SongUNetOptions.Guidance"/>, <see cref="SongUNetOptions.InstantaneousHead"/>,
/// both off by default so the keys above are unchanged): <c>map_guidance.weight</c> maps the positional embeddings of
/// 1 − 1/ω (and t_min, t_max) into <c>map_layer0</c>'s output, and <c>dec_v.RxR_aux_norm.*</c>, <c>dec_v.RxR_aux_conv.*</c>
/// are the v-head, reading the decoder's last features as the u output does. The network then is a two-head,
/// guidance-conditioned field (<see cref="ITangentGuidedVelocityField"/>).</para>
/// <para>Dropout masks are drawn from the generator given to the constructor; in training mode the tangent
/// rows use the primal rows' masks.</para>
/// </remarks>
public sealed class SongUNet : TwoHeadDualVelocityField
{
    private static readonly DualSilu Silu = new();

    private readonly DualLinear? map_label;
    private readonly DualLinear map_layer0;
    private readonly DualLinear map_layer1;
    private readonly DualLinear? map_guidance;
    private readonly NamedModules enc;
    private readonly NamedModules dec;
    private readonly NamedModules? dec_v;

    /// <summary>Creates the network and initialises it with <see cref="InitializeWeights"/>.</summary>
    /// <param name="options">The configuration.</param>
    /// <param name="generator">Generator of the initial weights and of the dropout masks; <c>null</c> for the global one. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public SongUNet(SongUNetOptions options, Generator? generator = null, Device? device = null, ScalarType? dtype = null)
        : base(nameof(SongUNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        Runtime.TorchRuntime.EnsureLoaded();
        Options = options;
        long noise = (long)options.NoiseChannels * options.Conditioning.InputCount(), emb = options.EmbeddingChannels;
        if (options.Classes > 0) map_label = new DualLinear(options.Classes, noise, true, device, dtype);
        map_layer0 = new DualLinear(noise, emb, true, device, dtype);
        map_layer1 = new DualLinear(emb, emb, true, device, dtype);
        if (options.GuidanceInputCount > 0)
            map_guidance = new DualLinear((long)options.NoiseChannels * options.GuidanceInputCount, emb, false, device, dtype);
        enc = new NamedModules(options.Layout.Encoder.Select(e => (e.Name, Create(e, options, generator, device, dtype))));
        dec = new NamedModules(options.Layout.Decoder.Select(e => (e.Name, Create(e, options, generator, device, dtype))));
        if (options.InstantaneousHead)   // the u output's two entries (aux_norm, aux_conv) again, for v
            dec_v = new NamedModules(options.Layout.Decoder.TakeLast(2).Select(e => (e.Name, Create(e, options, generator, device, dtype))));
        RegisterComponents();
        InitializeWeights(generator);
    }

    /// <summary>The configuration.</summary>
    public SongUNetOptions Options { get; }

    /// <inheritdoc />
    /// <remarks>The v-head is <c>dec_v</c> (its own <c>aux_norm</c> and <c>aux_conv</c> on the decoder's last features),
    /// built with <see cref="SongUNetOptions.InstantaneousHead"/>.</remarks>
    public override bool HasInstantaneousHead => Options.InstantaneousHead;

    private protected override long LabelClasses => Options.Classes;

    /// <summary>
    /// The network on pairs: u(z, r, t | c) on all B rows and, when the inputs carry tangents, its JVP on the
    /// leading K rows. In training mode the tangent rows see the same dropout masks as the primal rows. A network with
    /// guidance inputs is evaluated at ω = 1 on [0, 1]; the v-head is not evaluated.
    /// </summary>
    /// <param name="z">State, shape (B, in, R, R) with the network's dtype and device, tangent (K, in, R, R) or none.</param>
    /// <param name="r">Start times, shape (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="t">End times, shape (B,), with the tangent rows of <paramref name="z"/>.</param>
    /// <param name="labels">Class labels of a conditional network, int64 (B,) in [0, classes] (classes = null class), or
    /// <c>null</c> for the null class; <c>null</c> for an unconditional network.</param>
    /// <returns>u, shape (B, out, R, R), tangent (K, out, R, R) when the inputs have tangents.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit, tangents are mixed, or labels are
    /// given to an unconditional network.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    public override Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null) =>
        LabelChecked(labels, () => Run(z, r, t, labels, null, average: true, instantaneous: false, instantaneousTangent: false)).Average!;

    /// <inheritdoc />
    private protected override (Dual? Average, Dual? Instantaneous) Run(Dual z, Dual r, Dual t, Tensor? labels, GuidanceConditions? guidance,
        bool average, bool instantaneous, bool instantaneousTangent)
    {
        var o = Options;
        FieldInputs.Check(z, r, t, labels, new long[] { o.InChannels, o.Resolution, o.Resolution }, map_layer0.Weight, o.Classes);
        if (guidance is not null) FieldInputs.CheckGuidance(guidance, z.Primal);
        using var scope = NewDisposeScope();
        var emb = Embed(z.Primal, r, t, labels, guidance);                                  // (B, emb)

        var skips = new Stack<Dual>();
        var x = z;
        foreach (var (_, module) in enc.Entries)
        {
            x = module is UNetBlock block ? block.call(x, emb) : ((ResamplingConv2d)module).call(x);
            skips.Push(x);
        }

        Dual? trunk = null;
        foreach (var (_, module) in dec.Entries)
        {
            switch (module)
            {
                case UNetBlock block:
                    if (block.InChannels != x.Primal.shape[1]) x = Dual.Cat(new[] { x, skips.Pop() }, 1);
                    x = block.call(x, emb);
                    break;
                case DualGroupNorm:
                    trunk = x;                                                              // (B, C·mult[0], R, R)
                    break;
            }
        }
        var u = average ? Head(dec, trunk!).MoveToOuter(scope) : null;                         // (B, out, R, R)
        if (!instantaneous) return (u, null);
        return (u, Head(dec_v!, instantaneousTangent ? trunk! : new Dual(trunk!.Primal)).MoveToOuter(scope));
    }

    /// <summary>An output head: aux_conv(silu(aux_norm(x))), the last two entries of <paramref name="modules"/>.</summary>
    private static Dual Head(NamedModules modules, Dual x)
    {
        var entries = modules.Entries;
        var norm = (DualGroupNorm)entries[^2].Module;
        var conv = (ResamplingConv2d)entries[^1].Module;
        return conv.call(Silu.call(norm.call(x)));
    }

    private protected override string? MissingInstantaneousHeadMessage => HasInstantaneousHead ? null :
        $"This {nameof(SongUNet)} has no v-head; build it with {nameof(SongUNetOptions)}(…, instantaneousHead: true) for improved " +
        "MeanFlow, or ask for u alone (AverageVelocity).";

    /// <summary>The embedding vector: silu(map_layer1(silu(map_layer0(cat_i [sin, cos](s·τ_i·ω) + map_label(c)) + map_guidance(g)))),
    /// g the positional embeddings of 1 − 1/ω (and t_min, t_max), constants along the tangent (ω = 1 on [0, 1] when no
    /// guidance is given).</summary>
    private Dual Embed(Tensor z, Dual r, Dual t, Tensor? labels, GuidanceConditions? guidance)
    {
        var features = TimeFeatures(r, t);                                                  // (B, n·noise)
        if (map_label is not null) features = features + map_label.call(OneHot(labels, Options.Classes, z) * Math.Sqrt(Options.Classes));
        var hidden = map_layer0.call(features);                                             // (B, emb)
        if (map_guidance is not null) hidden = hidden + map_guidance.call(new Dual(GuidanceFeatures(z, guidance))).Primal;
        return Silu.call(map_layer1.call(Silu.call(hidden)));
    }

    /// <summary>One-hot labels (B, classes), the null class (label = classes, or <c>null</c>) all zeros: rows of a
    /// (classes + 1) × classes identity. <c>index_select</c> checks the range natively (an error on the CPU, a device assertion
    /// on CUDA) without copying values to the host, whereas libtorch's <c>one_hot</c> reads the labels' min and max back with
    /// <c>item()</c> on every device but CUDA and MPS (aten/src/ATen/native/Onehot.cpp). The matrix is the same.</summary>
    internal static Tensor OneHot(Tensor? labels, long classes, Tensor z)
    {
        if (labels is null) return zeros(new[] { z.shape[0], classes }, dtype: z.dtype, device: z.device);
        return eye(classes + 1, classes, dtype: z.dtype, device: z.device).index_select(0, labels);
    }

    /// <summary>The guidance inputs' positional embeddings, each as a time input's, concatenated: (B, noise · (1 or 3)).</summary>
    private Tensor GuidanceFeatures(Tensor z, GuidanceConditions? guidance)
    {
        guidance ??= GuidanceConditions.None(z.shape[0], z.dtype, z.device);
        var inputs = Options.Guidance == GuidanceInputs.ScaleAndInterval
            ? new[] { guidance.Scale.reciprocal().neg().add(1), guidance.IntervalStart, guidance.IntervalEnd }
            : new[] { guidance.Scale.reciprocal().neg().add(1) };                               // 1 − 1/ω ∈ [0, 1)
        return cat(inputs.Select(input => Positional(new Dual(input)).Primal).ToArray(), 1);
    }

    /// <summary>EDM's positional embedding of each time input, sin and cos swapped as EDM's DDPM++
    /// ([sin, cos] per input), concatenated in the order of <see cref="TimeConditioningExtensions.Inputs"/>.</summary>
    internal Dual TimeFeatures(Dual r, Dual t)
    {
        var parts = TimeInputs.Of(Options.Conditioning, r, t).Select(Positional).ToArray();
        return parts.Length == 1 ? parts[0] : Dual.Cat(parts, 1);
    }

    /// <summary>EDM's positional embedding of one input (B,) → (B, noise), [sin, cos].</summary>
    private Dual Positional(Dual input)
    {
        var halves = FrequencyEmbedding.Apply(input, Options.NoiseChannels, Options.TimeScale, Options.MaxPeriod, endpoint: true).Chunk(2, 1);
        return Dual.Cat(new[] { halves[1], halves[0] }, 1);                                // [cos, sin] → [sin, cos]
    }

    /// <summary>
    /// EDM's initialisation, with one exception: every weight xavier-uniform (fan_in = in·k², fan_out = out·k²),
    /// times 1e-5 for the blocks' <c>conv1</c> and <c>proj</c> (EDM's <c>init_zero</c>) and √0.2 for <c>qkv</c>;
    /// every bias 0; GroupNorm weight 1, bias 0; and the output convolution <c>dec.RxR_aux_conv</c> exactly 0,
    /// so that u = 0 at initialisation (likewise <c>dec_v.RxR_aux_conv</c>, v = 0; <c>map_guidance</c> is xavier-uniform).
    /// </summary>
    /// <param name="generator">Random generator, or <c>null</c> for the global one. The default is <c>null</c>.</param>
    public void InitializeWeights(Generator? generator = null)
    {
        if (map_label is not null) EdmInit.Linear(map_label, EdmInit.Standard, generator);
        EdmInit.Linear(map_layer0, EdmInit.Standard, generator);
        EdmInit.Linear(map_layer1, EdmInit.Standard, generator);
        if (map_guidance is not null) EdmInit.Linear(map_guidance, EdmInit.Standard, generator);
        var outputs = new[] { dec, dec_v }.OfType<NamedModules>().Select(d => d.Entries[^1].Module).ToArray();
        foreach (var (_, module) in enc.Entries.Concat(dec.Entries).Concat(dec_v?.Entries ?? Array.Empty<(string, nn.Module)>()))
        {
            switch (module)
            {
                case UNetBlock block: block.Initialize(generator); break;
                case DualGroupNorm norm: EdmInit.GroupNorm(norm); break;
                case ResamplingConv2d conv: conv.Initialize(outputs.Contains(conv) ? 0.0 : EdmInit.Standard, generator); break;
            }
        }
    }

    private static nn.Module Create(UNetEntry e, SongUNetOptions o, Generator? generator, Device? device, ScalarType? dtype) => e.Kind switch
    {
        UNetEntryKind.InputConv or UNetEntryKind.OutputConv => new ResamplingConv2d(e.InChannels, e.OutChannels, 3, true, Resampling.None, null, device, dtype),
        UNetEntryKind.OutputNorm => EdmInit.CreateGroupNorm(e.InChannels, 1e-6, device, dtype),
        _ => new UNetBlock(e.InChannels, e.OutChannels, o.EmbeddingChannels, e.Resampling, e.Attention, o.AttentionHeads, o.QkvLayout,
            o.Dropout, o.ResampleFilter, generator, device, dtype),
    };

    /// <summary>
    /// The official MeanFlow CIFAR-10 U-Net (py-meanflow <c>MODEL_CONFIGS["unet"]</c>, 1-NFE FID 2.92 in the paper),
    /// <c>new SongUNetOptions(32, 3)</c>: 32×32×3, C = 128, channel multipliers [2, 2, 2], 4 blocks per resolution,
    /// attention at 16×16, dropout 0.2, embedding 512, each of t and t − r embedded into 256 sinusoidal channels (noise
    /// multiplier 2), resampling filter [1, 3, 3, 1], stacked qkv layout. 55,929,347 parameters unconditional.
    /// </summary>
    /// <param name="classes">Classes for a conditional variant (the official run is unconditional: 0). The default is 0.</param>
    /// <param name="timeScale">Times are multiplied by this before the embedding, finite and non-zero. The default is 1
    /// (py-meanflow embeds t ∈ [0, 1] directly).</param>
    /// <param name="generator">Generator of the initial weights and dropout masks, or <c>null</c>. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public static SongUNet MeanFlowCifar10(int classes = 0, double timeScale = 1.0, Generator? generator = null, Device? device = null,
        ScalarType? dtype = null) =>
        new(new SongUNetOptions(32, 3, classes: classes, timeScale: timeScale), generator, device, dtype);

    /// <summary>
    /// A small U-Net for a 2-core CPU: C = 32, channel multipliers [1, 2, 2] (R → R/2 → R/4, e.g. 28 → 14 → 7),
    /// 2 blocks per resolution, attention at R/4 (and in the decoder's first block), dropout 0.1, embedding 4·C,
    /// C sinusoidal channels per time input, filter [1, 1], (t, t − r) conditioning: 1,757,089 parameters and about
    /// 0.32 GMAC per 28×28 image. <paramref name="modelChannels"/> = 16 (442,321 parameters, a quarter of the
    /// multiply-adds) measured about 2× faster on a CPU.
    /// </summary>
    /// <param name="resolution">Image height and width, divisible by 4. The default is 28 (MNIST).</param>
    /// <param name="channels">Image channels. The default is 1.</param>
    /// <param name="classes">Classes for a conditional network, or 0. The default is 0.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="modelChannels">Base channel count C: 16, 32, 64, … (EDM's GroupNorm needs every count to split into
    /// groups of at least 4). The default is 32.</param>
    /// <param name="blocksPerResolution">Encoder blocks per level, ≥ 1. The default is 2.</param>
    /// <param name="timeScale">Times are multiplied by this before the embedding, finite and non-zero. The default is 1.</param>
    /// <param name="guidance">Guidance inputs for improved MeanFlow (<see cref="SongUNetOptions.Guidance"/>). The default is
    /// <see cref="GuidanceInputs.None"/>.</param>
    /// <param name="instantaneousHead">Whether to add the v-head for improved MeanFlow (<see cref="SongUNetOptions.InstantaneousHead"/>).
    /// The default is <c>false</c>.</param>
    /// <param name="generator">Generator of the initial weights and dropout masks, or <c>null</c>. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public static SongUNet Small(int resolution = 28, int channels = 1, int classes = 0,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, int modelChannels = 32, int blocksPerResolution = 2,
        double timeScale = 1.0, GuidanceInputs guidance = GuidanceInputs.None, bool instantaneousHead = false,
        Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(new SongUNetOptions(resolution, channels, modelChannels: modelChannels, channelMultipliers: new[] { 1, 2, 2 },
                blocksPerResolution: blocksPerResolution, attentionResolutions: new[] { resolution / 4 }, dropout: 0.1, noiseMultiplier: 1,
                resampleFilter: new[] { 1.0, 1.0 }, conditioning: conditioning, classes: classes, timeScale: timeScale,
                guidance: guidance, instantaneousHead: instantaneousHead),
            generator, device, dtype);
}
