using System;
using System.Text.Json.Nodes;
using MeanFlow.Fields;
using MeanFlow.Models.DiT;
using MeanFlow.Models.Imf;
using MeanFlow.Models.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>The backbones the MNIST sample can train, built from a name so a checkpoint can rebuild its model.</summary>
internal static class Backbones
{
    internal const string Names = "dit-tiny (DiT, depth 4, width 128, patch 4), dit-tiny-p2 (patch 2), unet-small (SongUNet, 32 channels, 2 blocks per level), " +
        "unet-tiny (16 channels, 1 block per level), imf-dit-tiny (improved-MeanFlow DiT, two heads, depth 4 + 2, width 128, patch 4; " +
        "for --objective imf), imf-unet-small or imf-unet-tiny (the U-Nets with guidance inputs ω, t_min, t_max and a v-head; for --objective imf)";

    /// <summary>Whether the backbone is a two-head, guidance-conditioned network (trained with --objective imf only).</summary>
    internal static bool IsImproved(string name) => name.StartsWith("imf-", StringComparison.Ordinal);

    /// <summary>A backbone for 28×28×1 images with <paramref name="classes"/> classes (and the null class).</summary>
    /// <param name="timeScale">Times are multiplied by this before the sinusoidal embedding; null: the backbone's
    /// default (1000 for the DiT, as in the MeanFlow DiT; 1 for the U-Net, as in py-meanflow).</param>
    internal static nn.Module Create(string name, int classes, TimeConditioning conditioning, double? timeScale, Generator generator) => name switch
    {
        "dit-tiny" => DiT(classes, 4, conditioning, timeScale, generator),
        "dit-tiny-p2" => DiT(classes, 2, conditioning, timeScale, generator),
        "unet-small" => UNet(classes, conditioning, 32, 2, timeScale, generator),
        "unet-tiny" => UNet(classes, conditioning, 16, 1, timeScale, generator),
        "imf-unet-small" => UNet(classes, conditioning, 32, 2, timeScale, generator, twoHeads: true),
        "imf-unet-tiny" => UNet(classes, conditioning, 16, 1, timeScale, generator, twoHeads: true),
        // The iMF DiT embeds h = t − r, 1 − 1/ω, t_min and t_max as given (no time scale, no conditioning choice).
        "imf-dit-tiny" => ImprovedMeanFlowDiT.Tiny(classes, 28, 1, 4, generator: generator),
        _ => throw new ArgumentException($"Option --backbone: expected {Names}; got '{name}'."),
    };

    private static MeanFlowDiT DiT(int classes, int patchSize, TimeConditioning conditioning, double? timeScale, Generator generator) => timeScale is { } s
        ? MeanFlowDiT.Tiny(classes, 28, 1, patchSize, conditioning, s, generator)
        : MeanFlowDiT.Tiny(classes, 28, 1, patchSize, conditioning, generator: generator);

    /// <param name="twoHeads">Whether to embed the guidance (1 − 1/ω, t_min, t_max) and add the v-head (improved MeanFlow).</param>
    private static SongUNet UNet(int classes, TimeConditioning conditioning, int channels, int blocks, double? timeScale, Generator generator,
        bool twoHeads = false) =>
        SongUNet.Small(28, 1, classes, conditioning, channels, blocks, timeScale ?? 1.0,
            twoHeads ? GuidanceInputs.ScaleAndInterval : GuidanceInputs.None, instantaneousHead: twoHeads, generator: generator);

    internal static JsonObject Describe(string name, int classes, TimeConditioning conditioning, double? timeScale)
    {
        var json = new JsonObject { ["backbone"] = name, ["classes"] = classes, ["conditioning"] = conditioning.ToString() };
        if (timeScale is { } s) json["timeScale"] = s;
        return json;
    }

    internal static nn.Module FromDescription(JsonObject description, Generator generator) => Create(
        description["backbone"]!.GetValue<string>(),
        description["classes"]!.GetValue<int>(),
        Enum.Parse<TimeConditioning>(description["conditioning"]!.GetValue<string>()),
        description["timeScale"]?.GetValue<double>(),
        generator);
}
