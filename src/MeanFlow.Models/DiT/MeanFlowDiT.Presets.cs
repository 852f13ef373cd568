using MeanFlow.Fields;
using static TorchSharp.torch;

namespace MeanFlow.Models.DiT;

// Named factories, as DiT's DiT_B_2 etc.: the configuration presets of MeanFlowDiTConfig, built.
public sealed partial class MeanFlowDiT
{
    /// <summary>MeanFlow-B/2 (depth 12, hidden 768, 12 heads, patch 2): 131,093,008 parameters at the defaults.
    /// See <see cref="MeanFlowDiTConfig.B2"/>.</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 1000.</param>
    /// <param name="inputSize">Latent height and width. The default is 32.</param>
    /// <param name="inChannels">Latent channels. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="generator">Source of the initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The initialised network.</returns>
    public static MeanFlowDiT B2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(MeanFlowDiTConfig.B2(classes, inputSize, inChannels, conditioning), generator, device, dtype);

    /// <summary>MeanFlow-M/2 (depth 16, hidden 1024, 16 heads, patch 2): 308,021,264 parameters at the defaults.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    public static MeanFlowDiT M2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(MeanFlowDiTConfig.M2(classes, inputSize, inChannels, conditioning), generator, device, dtype);

    /// <summary>MeanFlow-L/2 (depth 24, hidden 1024, 16 heads, patch 2): 459,140,112 parameters at the defaults.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    public static MeanFlowDiT L2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(MeanFlowDiTConfig.L2(classes, inputSize, inChannels, conditioning), generator, device, dtype);

    /// <summary>MeanFlow-XL/2 (depth 28, hidden 1152, 16 heads, patch 2): 676,444,624 parameters at the defaults.</summary>
    /// <inheritdoc cref="B2" path="/param"/>
    /// <returns>The initialised network.</returns>
    public static MeanFlowDiT XL2(int classes = 1000, int inputSize = 32, int inChannels = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(MeanFlowDiTConfig.XL2(classes, inputSize, inChannels, conditioning), generator, device, dtype);

    /// <summary>CPU-sized, for 28×28 grey images (depth 4, hidden 128, 4 heads, patch 4): 1,325,072 parameters at
    /// the defaults. See <see cref="MeanFlowDiTConfig.Tiny"/>.</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 10.</param>
    /// <param name="inputSize">Image height and width. The default is 28.</param>
    /// <param name="inChannels">Image channels. The default is 1.</param>
    /// <param name="patchSize">Patch size. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="generator">Source of the initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The initialised network.</returns>
    public static MeanFlowDiT Tiny(int classes = 10, int inputSize = 28, int inChannels = 1, int patchSize = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(MeanFlowDiTConfig.Tiny(classes, inputSize, inChannels, patchSize, conditioning), generator, device, dtype);

    /// <summary>CPU-sized, for 32×32 colour images (depth 6, hidden 256, 4 heads, patch 4): 7,524,144 parameters at
    /// the defaults. See <see cref="MeanFlowDiTConfig.Small"/>.</summary>
    /// <param name="classes">Classes, 0 for unconditional. The default is 10.</param>
    /// <param name="inputSize">Image height and width. The default is 32.</param>
    /// <param name="inChannels">Image channels. The default is 3.</param>
    /// <param name="patchSize">Patch size. The default is 4.</param>
    /// <param name="conditioning">Time inputs. The default is (t, t − r).</param>
    /// <param name="generator">Source of the initial weights; <c>null</c> for the global generator. The default is <c>null</c>.</param>
    /// <param name="device">Device of the parameters. The default is the CPU.</param>
    /// <param name="dtype">Dtype of the parameters. The default is the default floating dtype.</param>
    /// <returns>The initialised network.</returns>
    public static MeanFlowDiT Small(int classes = 10, int inputSize = 32, int inChannels = 3, int patchSize = 4,
        TimeConditioning conditioning = TimeConditioning.TimeAndInterval, Generator? generator = null, Device? device = null, ScalarType? dtype = null) =>
        new(MeanFlowDiTConfig.Small(classes, inputSize, inChannels, patchSize, conditioning), generator, device, dtype);
}
