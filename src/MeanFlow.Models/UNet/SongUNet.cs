using System;
using System.Linq;
using MeanFlow.Fields;
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
/// (<see cref="ITangentVelocityField"/>), so MeanFlow's JVP rides along the forward pass on the rows with r ≠ t.
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
/// <para>Dropout masks are drawn from the generator given to the constructor; in training mode the tangent
/// rows use the primal rows' masks.</para>
/// </remarks>
public sealed partial class SongUNet : nn.Module, ITangentVelocityField
{
    private static readonly DualSilu Silu = new();

    private readonly DualLinear? map_label;
    private readonly DualLinear map_layer0;
    private readonly DualLinear map_layer1;
    private readonly NamedModules enc;
    private readonly NamedModules dec;

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
        enc = new NamedModules(options.Layout.Encoder.Select(e => (e.Name, Create(e, options, generator, device, dtype))));
        dec = new NamedModules(options.Layout.Decoder.Select(e => (e.Name, Create(e, options, generator, device, dtype))));
        RegisterComponents();
        InitializeWeights(generator);
    }

    /// <summary>The configuration.</summary>
    public SongUNetOptions Options { get; }

    /// <summary>The official MeanFlow CIFAR-10 network (<see cref="SongUNetOptions.MeanFlowCifar10"/>), 55,929,347 parameters.</summary>
    /// <param name="generator">Generator of the initial weights and dropout masks, or <c>null</c>. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The network.</returns>
    public static SongUNet MeanFlowCifar10(Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(SongUNetOptions.MeanFlowCifar10(), generator, device, dtype);

    /// <summary>The small CPU network (<see cref="SongUNetOptions.Small"/>) for 28×28 or 32×32 images.</summary>
    /// <param name="resolution">Image height and width, divisible by 4. The default is 28.</param>
    /// <param name="channels">Image channels. The default is 1.</param>
    /// <param name="classes">Classes for a conditional network, or 0. The default is 0.</param>
    /// <param name="generator">Generator of the initial weights and dropout masks, or <c>null</c>. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public static SongUNet Small(int resolution = 28, int channels = 1, int classes = 0, Generator? generator = null,
        Device? device = null, ScalarType? dtype = null) =>
        new(SongUNetOptions.Small(resolution, channels, classes), generator, device, dtype);

    /// <summary>
    /// EDM's initialisation, with one exception: every weight xavier-uniform (fan_in = in·k², fan_out = out·k²),
    /// times 1e-5 for the blocks' <c>conv1</c> and <c>proj</c> (EDM's <c>init_zero</c>) and √0.2 for <c>qkv</c>;
    /// every bias 0; GroupNorm weight 1, bias 0; and the output convolution <c>dec.RxR_aux_conv</c> exactly 0,
    /// so that u = 0 at initialisation.
    /// </summary>
    /// <param name="generator">Random generator, or <c>null</c> for the global one. The default is <c>null</c>.</param>
    public void InitializeWeights(Generator? generator = null)
    {
        if (map_label is not null) EdmInit.Linear(map_label, EdmInit.Standard, generator);
        EdmInit.Linear(map_layer0, EdmInit.Standard, generator);
        EdmInit.Linear(map_layer1, EdmInit.Standard, generator);
        foreach (var (_, module) in enc.Entries.Concat(dec.Entries))
        {
            switch (module)
            {
                case UNetBlock block: block.Initialize(generator); break;
                case DualGroupNorm norm: EdmInit.GroupNorm(norm); break;
                case ResamplingConv2d conv: conv.Initialize(ReferenceEquals(conv, OutputConv) ? 0.0 : EdmInit.Standard, generator); break;
            }
        }
    }

    private ResamplingConv2d OutputConv => (ResamplingConv2d)dec.Entries[^1].Module;

    private static nn.Module Create(UNetEntry e, SongUNetOptions o, Generator? generator, Device? device, ScalarType? dtype) => e.Kind switch
    {
        UNetEntryKind.InputConv or UNetEntryKind.OutputConv => new ResamplingConv2d(e.InChannels, e.OutChannels, 3, true, Resampling.None, null, device, dtype),
        UNetEntryKind.OutputNorm => EdmInit.CreateGroupNorm(e.InChannels, 1e-6, device, dtype),
        _ => new UNetBlock(e.InChannels, e.OutChannels, o.EmbeddingChannels, e.Resampling, e.Attention, o.AttentionHeads, o.QkvLayout,
            o.Dropout, o.ResampleFilter, generator, device, dtype),
    };
}
