using System;
using System.Text.Json.Nodes;
using MeanFlow.Fields;
using MeanFlow.Models.DiT;
using MeanFlow.Models.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>The backbones the MNIST sample can train, built from a name so a checkpoint can rebuild its model.</summary>
internal static class Backbones
{
    internal const string Names = "dit-tiny (DiT, depth 4, width 128, patch 4), dit-tiny-p2 (patch 2), unet-small (SongUNet, 32 channels, 2 blocks per level) or unet-tiny (16 channels, 1 block per level)";

    /// <summary>A backbone for 28×28×1 images with <paramref name="classes"/> classes (and the null class).</summary>
    internal static nn.Module Create(string name, int classes, TimeConditioning conditioning, Generator generator) => name switch
    {
        "dit-tiny" => MeanFlowDiT.Tiny(classes, inputSize: 28, inChannels: 1, patchSize: 4, conditioning: conditioning, generator: generator),
        "dit-tiny-p2" => MeanFlowDiT.Tiny(classes, inputSize: 28, inChannels: 1, patchSize: 2, conditioning: conditioning, generator: generator),
        "unet-small" => new SongUNet(SongUNetOptions.Small(28, 1, classes, conditioning), generator),
        "unet-tiny" => new SongUNet(SongUNetOptions.Small(28, 1, classes, conditioning, modelChannels: 16, blocksPerResolution: 1), generator),
        _ => throw new ArgumentException($"Option --backbone: expected {Names}; got '{name}'."),
    };

    internal static JsonObject Describe(string name, int classes, TimeConditioning conditioning) => new()
    {
        ["backbone"] = name,
        ["classes"] = classes,
        ["conditioning"] = conditioning.ToString(),
    };

    internal static nn.Module FromDescription(JsonObject description, Generator generator) => Create(
        description["backbone"]!.GetValue<string>(),
        description["classes"]!.GetValue<int>(),
        Enum.Parse<TimeConditioning>(description["conditioning"]!.GetValue<string>()),
        generator);
}
