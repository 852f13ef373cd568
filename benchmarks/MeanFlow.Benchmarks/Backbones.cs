using System;
using MeanFlow.Fields;
using MeanFlow.Models.DiT;
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
}

/// <summary>Builds the backbones with fixed seeds and fixed shapes, so every case and process does identical work.</summary>
internal static class Backbones
{
    /// <summary>Rows per training step and per sampling call.</summary>
    internal const int BatchSize = 32;

    /// <summary>Image side and channels of both backbones.</summary>
    internal const int Resolution = 32, Channels = 3;

    internal const ulong ModelSeed = 20250513;

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
            _ => throw new ArgumentOutOfRangeException(nameof(backbone), backbone, "Unknown backbone."),
        };
    }

    internal static long[] BatchShape => new long[] { BatchSize, Channels, Resolution, Resolution };

    internal static string Describe(Backbone backbone) => backbone switch
    {
        Backbone.DiT => $"{DiTConfig}, {Parameters(backbone)} parameters",
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
