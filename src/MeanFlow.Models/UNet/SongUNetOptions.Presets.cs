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
    /// <returns>The options.</returns>
    /// <exception cref="System.ArgumentOutOfRangeException">A value is out of range.</exception>
    public static SongUNetOptions Small(int resolution = 28, int channels = 1, int classes = 0,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, int modelChannels = 32, int blocksPerResolution = 2,
        double timeScale = 1.0) =>
        new(resolution, channels, modelChannels: modelChannels, channelMultipliers: new[] { 1, 2, 2 }, blocksPerResolution: blocksPerResolution,
            attentionResolutions: new[] { resolution / 4 }, dropout: 0.1, noiseMultiplier: 1,
            resampleFilter: new[] { 1.0, 1.0 }, conditioning: conditioning, classes: classes, timeScale: timeScale);
}
