using System;
using System.Text.Json.Nodes;
using MeanFlow.Fields;
using MeanFlow.Models.DiT;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Samples.Mnist;

/// <summary>The backbones the MNIST sample can train, built from a name so a checkpoint can rebuild its model.</summary>
internal static class Backbones
{
    internal const string Names = "dit-tiny (DiT, depth 4, width 128, patch 4) or dit-tiny-p2 (patch 2)";

    /// <summary>A backbone for 28×28×1 images with <paramref name="classes"/> classes (and the null class).</summary>
    internal static nn.Module Create(string name, int classes, TimeConditioning conditioning, Generator generator) => name switch
    {
        "dit-tiny" => MeanFlowDiT.Tiny(classes, inputSize: 28, inChannels: 1, patchSize: 4, conditioning: conditioning, generator: generator),
        "dit-tiny-p2" => MeanFlowDiT.Tiny(classes, inputSize: 28, inChannels: 1, patchSize: 2, conditioning: conditioning, generator: generator),
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
