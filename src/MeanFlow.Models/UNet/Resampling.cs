namespace MeanFlow.Models.UNet;

/// <summary>The 2× resampling a <see cref="ResamplingConv2d"/> applies before its convolution (EDM's
/// <c>up</c> and <c>down</c> flags).</summary>
public enum Resampling
{
    /// <summary>No resampling.</summary>
    None = 0,

    /// <summary>2× upsampling: a transposed depthwise convolution with the resampling filter, stride 2.</summary>
    Up = 1,

    /// <summary>2× downsampling: a depthwise convolution with the resampling filter, stride 2.</summary>
    Down = 2,
}
