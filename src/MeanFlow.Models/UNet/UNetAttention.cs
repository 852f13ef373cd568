using System;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Models.UNet;

/// <summary>
/// The self-attention of a U-Net block over the H·W pixels of a feature map: splits the packed q, k, v of a
/// 1×1 <c>qkv</c> convolution by <see cref="QkvLayout"/>, attends with explicit softmax attention
/// (<see cref="SoftmaxAttention"/>, scale 1/√(C/heads); never <c>scaled_dot_product_attention</c>, which
/// cannot be differentiated twice here) and returns the heads concatenated along channels, head-major as EDM.
/// </summary>
/// <remarks>EDM folds the heads into the batch as (B·heads, …) with the batch outer; here heads stay a separate
/// dimension (B, heads, H·W, C/heads), the same computation, so the tangent keeps its leading K batch rows.</remarks>
internal static class UNetAttention
{
    /// <summary>Attention output from packed q, k, v.</summary>
    /// <param name="qkv">Output of the qkv convolution, shape (B, 3C, H, W).</param>
    /// <param name="heads">Number of heads, dividing C.</param>
    /// <param name="layout">How the 3C channels hold q, k and v.</param>
    /// <returns>Shape (B, C, H, W).</returns>
    internal static Dual Apply(Dual qkv, long heads, QkvLayout layout)
    {
        long channels = qkv.Primal.shape[1] / 3, height = qkv.Primal.shape[2], width = qkv.Primal.shape[3];
        long perHead = channels / heads, pixels = height * width;
        Dual Part(int index) => qkv.MapLinear(t => (layout == QkvLayout.Interleaved
                ? t.reshape(t.shape[0], heads, perHead, 3, pixels).select(3, index)
                : t.reshape(t.shape[0], 3, heads, perHead, pixels).select(1, index))
            .transpose(-1, -2));                                                            // (B, heads, HW, C/heads)
        var o = SoftmaxAttention.Apply(Part(0), Part(1), Part(2), 1.0 / Math.Sqrt(perHead));   // (B, heads, HW, C/heads)
        return o.MapLinear(t => t.transpose(-1, -2).reshape(t.shape[0], channels, height, width));   // (B, C, H, W)
    }
}
