using System;
using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Tangent-capable patch embedding, as timm's <c>PatchEmbed</c> used by DiT: a convolution <c>proj</c> with
/// kernel = stride = patch size p maps an image (B, C, H, W) to tokens (B, N, D), N = (H/p)·(W/p), ordered
/// row by row. Linear, so the tangent is the same convolution without bias. <see cref="Unpatchify"/> inverts
/// the layout.
/// </summary>
public sealed class PatchEmbed : nn.Module<Dual, Dual>
{
    private readonly DualConv2d proj;

    /// <summary>Creates the layer (convolution initialised like <c>nn.Conv2d</c>).</summary>
    /// <param name="inChannels">C, ≥ 1.</param>
    /// <param name="hiddenSize">D, the token width, ≥ 1.</param>
    /// <param name="patchSize">p, ≥ 1.</param>
    /// <param name="hasBias">Whether the projection has a bias. The default is <c>true</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public PatchEmbed(long inChannels, long hiddenSize, long patchSize, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(PatchEmbed))
    {
        Guard.Positive(patchSize, nameof(patchSize));
        PatchSize = patchSize;
        proj = new DualConv2d(inChannels, hiddenSize, patchSize, stride: patchSize, hasBias: hasBias, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>p, the patch size.</summary>
    public long PatchSize { get; }

    /// <summary>The projection (weight (D, C, p, p), bias (D,)), for custom initialisation.</summary>
    public DualConv2d Projection => proj;

    /// <summary>Cuts the image into patches and embeds each.</summary>
    /// <param name="x">Images, shape (B, C, H, W) with H and W divisible by p.</param>
    /// <returns>Tokens, shape (B, (H/p)·(W/p), D).</returns>
    /// <exception cref="ArgumentException">The shape of <paramref name="x"/> does not fit.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), $"[B, {proj.InChannels}, H, W]", dims: 4, dim: 1, size: proj.InChannels);
        long h = x.Primal.shape[2], w = x.Primal.shape[3];
        if (h % PatchSize != 0 || w % PatchSize != 0)
            throw new ArgumentException($"x's height and width must be divisible by the patch size {PatchSize}; got {Guard.Shape(x.Primal)}.", nameof(x));
        using var scope = NewDisposeScope();
        return proj.call(x)                                     // (B, D, H/p, W/p)
            .MapLinear(t => t.flatten(2).transpose(1, 2))       // (B, N, D)
            .MoveToOuter(scope);
    }
}
