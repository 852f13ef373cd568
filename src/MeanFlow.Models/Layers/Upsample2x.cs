using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// Nearest-neighbour 2× upsampling of images (B, C, H, W) → (B, C, 2H, 2W): each pixel becomes a 2×2 block
/// (EDM's resampling with filter [1, 1]). Linear, so the tangent is upsampled the same way.
/// </summary>
public sealed class Upsample2x : nn.Module<Dual, Dual>
{
    /// <summary>Creates the layer (no parameters).</summary>
    public Upsample2x() : base(nameof(Upsample2x)) { }

    /// <summary>Upsamples the primal and the tangent.</summary>
    /// <param name="x">Images, shape (B, C, H, W).</param>
    /// <returns>Shape (B, C, 2H, 2W).</returns>
    /// <exception cref="System.ArgumentException"><paramref name="x"/> is not 4-dimensional.</exception>
    public override Dual forward(Dual x)
    {
        Dual.CheckInput(x, nameof(x), "[B, C, H, W]", dims: 4);
        using var scope = NewDisposeScope();
        return x.MapLinear(Apply).MoveToOuter(scope);
    }

    private static Tensor Apply(Tensor t)
    {
        long b = t.shape[0], c = t.shape[1], h = t.shape[2], w = t.shape[3];
        return t.reshape(b, c, h, 1, w, 1).expand(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w);
    }
}
