using MeanFlow.Fields;

namespace MeanFlow.Models.DiT;

// The paper's backbones (Geng et al. 2025, Table 2: B/2, M/2, L/2, XL/2 on 32×32×4 latents of ImageNet 256) and
// two CPU-sized ones. Parameter counts are of the trainable parameters at the default arguments; the fixed
// pos_embed buffer (N·D values) comes on top in the state dict. They are checked in MeanFlowDiTPresetTests
// against a count written out from the architecture.
public sealed partial class MeanFlowDiTConfig
{
    /// <summary>MeanFlow-B/2: depth 12, hidden 768, 12 heads, patch 2. 131,093,008 parameters for 32×32×4 and
    /// 1000 classes with (t, t − r) (DiT-B/2 has 130.5 M: one time embedder fewer, no qk-norm, 8 output channels).</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 1000.</param>
    /// <param name="inputSize">Latent height and width. The default is 32.</param>
    /// <param name="inChannels">Latent channels. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <returns>The configuration.</returns>
    public static MeanFlowDiTConfig B2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval) =>
        new(inputSize, inChannels, 2, 768, 12, 12, classes, conditioning);

    /// <summary>MeanFlow-M/2: depth 16, hidden 1024, 16 heads, patch 2. 308,021,264 parameters for 32×32×4 and 1000 classes.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The configuration.</returns>
    public static MeanFlowDiTConfig M2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval) =>
        new(inputSize, inChannels, 2, 1024, 16, 16, classes, conditioning);

    /// <summary>MeanFlow-L/2: depth 24, hidden 1024, 16 heads, patch 2. 459,140,112 parameters for 32×32×4 and 1000 classes.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The configuration.</returns>
    public static MeanFlowDiTConfig L2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval) =>
        new(inputSize, inChannels, 2, 1024, 24, 16, classes, conditioning);

    /// <summary>MeanFlow-XL/2: depth 28, hidden 1152, 16 heads, patch 2. 676,444,624 parameters for 32×32×4 and 1000 classes.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The configuration.</returns>
    public static MeanFlowDiTConfig XL2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval) =>
        new(inputSize, inChannels, 2, 1152, 28, 16, classes, conditioning);

    /// <summary>A CPU-sized model for 28×28 grey images (MNIST, Fashion-MNIST): depth 4, hidden 128, 4 heads,
    /// patch 4 (49 tokens). 1,325,072 parameters for 28×28×1 and 10 classes (1,321,988 with patch 2, 196 tokens).</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 10.</param>
    /// <param name="inputSize">Image height and width. The default is 28.</param>
    /// <param name="inChannels">Image channels. The default is 1.</param>
    /// <param name="patchSize">Patch size, dividing <paramref name="inputSize"/>. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="timeScale">Times are multiplied by this before the sinusoidal embedding, finite and non-zero. The
    /// default is 1000, as in the MeanFlow DiT; MeanFlow trained from scratch on MNIST only with a small scale such as 1.</param>
    /// <returns>The configuration.</returns>
    public static MeanFlowDiTConfig Tiny(int classes = 10, int inputSize = 28, int inChannels = 1, int patchSize = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, double timeScale = 1000.0) =>
        new(inputSize, inChannels, patchSize, 128, 4, 4, classes, conditioning, timeScale: timeScale);

    /// <summary>A CPU-sized model for 32×32 colour images (CIFAR-10): depth 6, hidden 256, 4 heads, patch 4
    /// (64 tokens). 7,524,144 parameters for 32×32×3 and 10 classes (7,505,676 with patch 2, 256 tokens).
    /// Smaller than DiT-S (depth 12, hidden 384).</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 10.</param>
    /// <param name="inputSize">Image height and width. The default is 32.</param>
    /// <param name="inChannels">Image channels. The default is 3.</param>
    /// <param name="patchSize">Patch size, dividing <paramref name="inputSize"/>. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <returns>The configuration.</returns>
    public static MeanFlowDiTConfig Small(int classes = 10, int inputSize = 32, int inChannels = 3, int patchSize = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval) =>
        new(inputSize, inChannels, patchSize, 256, 6, 4, classes, conditioning);
}
