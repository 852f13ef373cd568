using System;
using MeanFlow.Internal;
using MeanFlow.Models.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.UNet;

/// <summary>
/// The residual block of EDM's SongUNet in its DDPM++ form (EDM <c>UNetBlock</c> with <c>adaptive_scale=False</c>,
/// <c>resample_proj=True</c>, skip scale √½, GroupNorm ε = 1e-6), tangent-capable:
/// <code>
/// h = conv0(silu(norm0(x)))                     conv0 up- or downsamples if the block does
/// h = silu(norm1(h + affine(emb)))              the embedding is added per channel
/// h = conv1(dropout(h))
/// x = (h + skip(x)) · √½                        skip: 1×1 convolution when channels or size change
/// x = (proj(attention(qkv(norm2(x)))) + x) · √½ only in blocks with attention
/// </code>
/// State-dict keys as EDM: <c>norm0</c>, <c>conv0</c>, <c>affine</c>, <c>norm1</c>, <c>conv1</c>, <c>skip</c>,
/// <c>norm2</c>, <c>qkv</c>, <c>proj</c> (each <c>.weight</c>/<c>.bias</c>; resampling convolutions also
/// <c>.resample_filter</c>).
/// </summary>
public sealed class UNetBlock : nn.Module<Dual, Dual, Dual>
{
    private static readonly double SkipScale = Math.Sqrt(0.5);
    private static readonly DualSilu Silu = new();

    private readonly DualGroupNorm norm0;
    private readonly ResamplingConv2d conv0;
    private readonly DualLinear affine;
    private readonly DualGroupNorm norm1;
    private readonly DualDropout dropout;
    private readonly ResamplingConv2d conv1;
    private readonly ResamplingConv2d? skip;
    private readonly DualGroupNorm? norm2;
    private readonly ResamplingConv2d? qkv;
    private readonly ResamplingConv2d? proj;

    /// <summary>Creates the block, initialised as EDM's SongUNet (see <see cref="Initialize"/>) from the global
    /// generator.</summary>
    /// <param name="inChannels">Input channels; EDM's group rule min(32, C/4) groups must divide it.</param>
    /// <param name="outChannels">Output channels; likewise.</param>
    /// <param name="embeddingChannels">Width of the embedding vector.</param>
    /// <param name="resampling">Up- or downsampling in conv0 and skip. The default is none.</param>
    /// <param name="attention">Whether to add self-attention after the residual. The default is <c>false</c>.</param>
    /// <param name="heads">Attention heads, dividing <paramref name="outChannels"/>. The default is 1 (DDPM++).</param>
    /// <param name="layout">Layout of the qkv channels. The default is <see cref="QkvLayout.Stacked"/> (py-meanflow).</param>
    /// <param name="dropout">Dropout probability before conv1, in [0, 1). The default is 0.</param>
    /// <param name="filter">Resampling filter taps; <c>null</c> for [1, 1].</param>
    /// <param name="dropoutGenerator">Generator of the dropout masks; <c>null</c> for the global one.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size does not fit.</exception>
    public UNetBlock(long inChannels, long outChannels, long embeddingChannels, Resampling resampling = Resampling.None,
        bool attention = false, long heads = 1, QkvLayout layout = QkvLayout.Stacked, double dropout = 0,
        System.Collections.Generic.IReadOnlyList<double>? filter = null, Generator? dropoutGenerator = null,
        Device? device = null, ScalarType? dtype = null) : base(nameof(UNetBlock))
    {
        foreach (var (channels, name) in new[] { (inChannels, nameof(inChannels)), (outChannels, nameof(outChannels)) })
            if (!EdmInit.GroupNormFits(channels))
                throw new ArgumentOutOfRangeException(name, channels,
                    $"{name} must be ≥ 4 and divisible by EDM's GroupNorm group count min(32, C / 4); got {channels}.");
        Guard.Positive(embeddingChannels, nameof(embeddingChannels));
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"dropout must lie in [0, 1); got {dropout}.");
        if (attention && (heads < 1 || outChannels % heads != 0))
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"heads must be ≥ 1 and divide outChannels ({outChannels}); got {heads}.");
        InChannels = inChannels;
        OutChannels = outChannels;
        Heads = attention ? heads : 0;
        Layout = layout;
        const double eps = 1e-6;
        norm0 = EdmInit.CreateGroupNorm(inChannels, eps, device, dtype);
        conv0 = new ResamplingConv2d(inChannels, outChannels, 3, true, resampling, filter, device, dtype);
        affine = new DualLinear(embeddingChannels, outChannels, true, device, dtype);
        norm1 = EdmInit.CreateGroupNorm(outChannels, eps, device, dtype);
        this.dropout = new DualDropout(dropout, dropoutGenerator);
        conv1 = new ResamplingConv2d(outChannels, outChannels, 3, true, Resampling.None, null, device, dtype);
        if (outChannels != inChannels || resampling != Resampling.None)
            skip = new ResamplingConv2d(inChannels, outChannels, 1, true, resampling, filter, device, dtype);
        if (attention)
        {
            norm2 = EdmInit.CreateGroupNorm(outChannels, eps, device, dtype);
            qkv = new ResamplingConv2d(outChannels, 3 * outChannels, 1, true, Resampling.None, null, device, dtype);
            proj = new ResamplingConv2d(outChannels, outChannels, 1, true, Resampling.None, null, device, dtype);
        }
        RegisterComponents();
        Initialize();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Attention heads, or 0 for a block without attention.</summary>
    public long Heads { get; }

    /// <summary>Layout of the qkv channels (only used with attention).</summary>
    public QkvLayout Layout { get; }

    /// <summary>EDM's SongUNet initialisation: conv0, affine, skip xavier-uniform; conv1 and proj
    /// xavier-uniform × 1e-5 (<c>init_zero</c>); qkv xavier-uniform × √0.2; biases 0; norms weight 1, bias 0.</summary>
    /// <param name="generator">Random generator, or <c>null</c> for the global one.</param>
    public void Initialize(Generator? generator = null)
    {
        foreach (var norm in new[] { norm0, norm1, norm2 }) if (norm is not null) EdmInit.GroupNorm(norm);
        conv0.Initialize(EdmInit.Standard, generator);
        EdmInit.Linear(affine, EdmInit.Standard, generator);
        conv1.Initialize(EdmInit.NearZero, generator);
        skip?.Initialize(EdmInit.Standard, generator);
        qkv?.Initialize(EdmInit.Attention, generator);
        proj?.Initialize(EdmInit.NearZero, generator);
    }

    /// <summary>Applies the block.</summary>
    /// <param name="x">Feature map, shape (B, in, H, W).</param>
    /// <param name="emb">Embedding, shape (B, embeddingChannels), with the same tangent rows as <paramref name="x"/>.</param>
    /// <returns>Shape (B, out, H′, W′), H′ = H, 2H or H/2.</returns>
    /// <exception cref="ArgumentException">A shape does not fit.</exception>
    public override Dual forward(Dual x, Dual emb)
    {
        using var scope = NewDisposeScope();
        var h = conv0.call(Silu.call(norm0.call(x)));                                        // (B, out, H′, W′)
        var shift = affine.call(emb).MapLinear(t => t.unsqueeze(2).unsqueeze(3));           // (B, out, 1, 1)
        h = Silu.call(norm1.call(h + shift));
        h = conv1.call(dropout.call(h));
        h = (h + (skip is null ? x : skip.call(x))) * SkipScale;
        if (qkv is not null)
        {
            var a = UNetAttention.Apply(qkv.call(norm2!.call(h)), Heads, Layout);            // (B, out, H′, W′)
            h = (proj!.call(a) + h) * SkipScale;
        }
        return h.MoveToOuter(scope);
    }
}
