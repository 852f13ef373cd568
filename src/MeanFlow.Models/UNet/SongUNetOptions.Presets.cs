using MeanFlow.Fields;

namespace MeanFlow.Models.UNet;

// Named configurations.
public sealed partial class SongUNetOptions
{
    /// <summary>
    /// The official MeanFlow CIFAR-10 U-Net (py-meanflow <c>MODEL_CONFIGS["unet"]</c>, 1-NFE FID 2.92 in the paper):
    /// 32×32×3, C = 128, channel multipliers [2, 2, 2], 4 blocks per resolution, attention at 16×16, dropout 0.2,
    /// embedding 512, each of t and t − r embedded into 256 sinusoidal channels (noise multiplier 2), resampling
    /// filter [1, 3, 3, 1], stacked qkv layout, times embedded unscaled. 55,929,347 parameters unconditional.
    /// </summary>
    /// <param name="classes">Classes for a conditional variant (the official run is unconditional: 0). The default is 0.</param>
    /// <returns>The options.</returns>
    public static SongUNetOptions MeanFlowCifar10(int classes = 0) => new(32, 3, classes: classes);

    /// <summary>
    /// A small U-Net that trains on a 2-core CPU: C = 32, channel multipliers [1, 2, 2] (R → R/2 → R/4, e.g.
    /// 28 → 14 → 7), 2 blocks per resolution, attention at R/4 (and in the decoder's first block), dropout 0.1,
    /// embedding 128, 32 sinusoidal channels per time input, filter [1, 1], (t, t − r) conditioning.
    /// About 1.76 M parameters for 28×28×1.
    /// </summary>
    /// <param name="resolution">Image height and width, divisible by 4. The default is 28 (MNIST).</param>
    /// <param name="channels">Image channels. The default is 1.</param>
    /// <param name="classes">Classes for a conditional network, or 0. The default is 0.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <returns>The options.</returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A value is out of range.</exception>
    public static SongUNetOptions Small(int resolution = 28, int channels = 1, int classes = 0,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval) =>
        new(resolution, channels, modelChannels: 32, channelMultipliers: new[] { 1, 2, 2 }, blocksPerResolution: 2,
            attentionResolutions: new[] { resolution / 4 }, dropout: 0.1, noiseMultiplier: 1,
            resampleFilter: new[] { 1.0, 1.0 }, conditioning: conditioning, classes: classes);
}
