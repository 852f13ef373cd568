using static TorchSharp.torch;

namespace MeanFlow.Models.Layers;

/// <summary>
/// The tangent of a normalisation x̂ = x_c·s, s = 1/√(mean(x_c²) + ε), over the last dimension:
/// dx̂ = s·(dx_c − x̂·mean(x̂ ⊙ dx_c)). For RMSNorm x_c = x; for LayerNorm and GroupNorm x_c = x − mean(x),
/// so dx_c = dx − mean(dx).
/// </summary>
internal static class NormalizationTangent
{
    /// <summary>The normalised x̂ and s of rows already centred (or not, for RMSNorm): returns (x̂, s);
    /// <paramref name="centred"/> is overwritten with x̂.</summary>
    internal static (Tensor Normalized, Tensor InverseScale) Normalize(Tensor centred, double eps)
    {
        var s = centred.square().mean(new long[] { -1 }, keepdim: true).add_(eps).rsqrt_();
        return (centred.mul_(s), s);
    }

    /// <summary>x − mean(x) over the last dimension, a new tensor.</summary>
    internal static Tensor Centre(Tensor x) => x - x.mean(new long[] { -1 }, keepdim: true);

    /// <summary>dx̂ = s·(dx_c − x̂·mean(x̂ ⊙ dx_c)), a new tensor; the inputs are not modified.</summary>
    internal static Tensor Tangent(Tensor normalized, Tensor inverseScale, Tensor centredTangent)
    {
        var m = (normalized * centredTangent).mean(new long[] { -1 }, keepdim: true);
        return normalized.mul(m).neg_().add_(centredTangent).mul_(inverseScale);
    }
}
