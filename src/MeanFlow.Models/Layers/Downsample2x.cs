using MeanFlow.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// 2× downsampling of images (B, C, H, W) → (B, C, H/2, W/2) by averaging 2×2 blocks (EDM's resampling with
/// filter [1, 1]). Linear, so the tangent is averaged the same way. For a learned strided downsampling use
/// <see cref="DualConv2d"/> with stride 2.
/// </summary>
public sealed class Downsample2x : nn.Module<Dual, Dual>
{
    /// <summary>Creates the layer (no parameters).</summary>
    public Downsample2x() : base(nameof(Downsample2x)) { }

    /// <summary>Downsamples the primal and the tangent.</summary>
    /// <param name="x">Images, shape (B, C, H, W) with H and W even.</param>
    /// <returns>Shape (B, C, H/2, W/2).</returns>
    /// <exception cref="System.ArgumentException">The shape of <paramref name="x"/> does not fit.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), "[B, C, H, W] with H, W even", dims: 4);
        if (x.Primal.shape[2] % 2 != 0 || x.Primal.shape[3] % 2 != 0)
            throw new System.ArgumentException($"x must have even height and width; got {Guard.Shape(x.Primal)}.", nameof(x));
        using var scope = NewDisposeScope();
        return x.MapLinear(Apply).MoveToOuter(scope);
    }

    private static Tensor Apply(Tensor t)
    {
        long b = t.shape[0], c = t.shape[1], h = t.shape[2] / 2, w = t.shape[3] / 2;
        return t.reshape(b, c, h, 2, w, 2).mean(new long[] { 3, 5 });
    }
}
