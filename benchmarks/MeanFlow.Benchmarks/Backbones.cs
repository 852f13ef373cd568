using System;
using MeanFlow.Fields;
using MeanFlow.Models.DiT;
using MeanFlow.Models.Imf;
using MeanFlow.Models.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Benchmarks;

/// <summary>The two CPU-sized backbones every benchmark runs on.</summary>
public enum Backbone
{
    /// <summary>MeanFlow DiT: 32×32×3 input, patch 4 (64 tokens), width 256, depth 4, 4 heads, unconditional.</summary>
    DiT,

    /// <summary>SongUNet.Small at 32×32×3: 32 channels, multipliers (1, 2, 2), 2 blocks per level, attention at 8×8.</summary>
    UNet,

    /// <summary>The improved-MeanFlow DiT (two heads, official layout) at the DiT's size: 32×32×3 input, patch 4 (64 tokens),
    /// width 256, 4 heads, depth 4 = 3 shared blocks + 1 block per head, 10 classes; the flow-matching and MeanFlow cases
    /// train its u-head at ω = 1 (the v-head is not evaluated), the improved-MeanFlow cases both heads with guidance.</summary>
    ImfDiT,
}

/// <summary>Builds the backbones with fixed seeds and fixed shapes, so every case and process does identical work.</summary>
internal static class Backbones
{
    /// <summary>Rows per training step and per sampling call.</summary>
    internal const int BatchSize = 32;

    /// <summary>Image side and channels of both backbones.</summary>
    internal const int Resolution = 32, Channels = 3;

    internal const ulong ModelSeed = 20250513;

    /// <summary>Classes of <see cref="Backbone.ImfDiT"/> (the null class is the 11th label).</summary>
    internal const int ImfClasses = 10;

    internal static readonly ImprovedMeanFlowDiTConfig ImfDiTConfig = new(inputSize: Resolution, inChannels: Channels, patchSize: 4,
        hiddenSize: 256, depth: 4, heads: 4, classes: ImfClasses, auxHeadDepth: 1, classTokens: 4, timeTokens: 2, guidanceTokens: 2,
        intervalTokens: 1);

    internal static readonly MeanFlowDiTConfig DiTConfig = new(inputSize: Resolution, inChannels: Channels, patchSize: 4,
        hiddenSize: 256, depth: 4, heads: 4, classes: 0, conditioning: TimeConditioning.TimeAndInterval);

    /// <summary>A freshly initialised float32 CPU model (training mode).</summary>
    internal static nn.Module Create(Backbone backbone)
    {
        var generator = new Generator(ModelSeed);
        return backbone switch
        {
            Backbone.DiT => new MeanFlowDiT(DiTConfig, generator),
            Backbone.UNet => SongUNet.Small(Resolution, Channels, generator: generator),
            Backbone.ImfDiT => WithRandomOutputs(new ImprovedMeanFlowDiT(ImfDiTConfig, generator), generator),
            _ => throw new ArgumentOutOfRangeException(nameof(backbone), backbone, "Unknown backbone."),
        };
    }

    /// <summary>The iMF DiT starts with zero gates and output layers (u = v = 0); give them small random values so that every
    /// case does the arithmetic of a network in training (the cost does not depend on the values, but zeros could let
    /// a kernel take a shortcut).</summary>
    private static ImprovedMeanFlowDiT WithRandomOutputs(ImprovedMeanFlowDiT model, Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("scale", StringComparison.Ordinal) || name.Contains("final_layer.linear", StringComparison.Ordinal))
                p.normal_(0, 0.02, generator);
        return model;
    }

    internal static long[] BatchShape => new long[] { BatchSize, Channels, Resolution, Resolution };

    internal static string Describe(Backbone backbone) => backbone switch
    {
        Backbone.DiT => $"{DiTConfig}, {Parameters(backbone)} parameters",
        Backbone.ImfDiT => $"{ImfDiTConfig}, {Parameters(backbone)} parameters",
        Backbone.UNet => $"SongUNet Small 32×32×3 (32 channels, ×(1, 2, 2), 2 blocks per level, attention at 8×8, dropout 0.1), {Parameters(backbone)} parameters",
        _ => backbone.ToString(),
    };

    private static long Parameters(Backbone backbone)
    {
        using var model = Create(backbone);
        long n = 0;
        foreach (var p in model.parameters()) n += p.numel();
        return n;
    }
}
