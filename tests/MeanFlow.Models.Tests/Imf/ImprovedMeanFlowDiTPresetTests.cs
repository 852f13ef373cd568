using System;
using System.Linq;
using MeanFlow.Models.Imf;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Imf;

/// <summary>Preset shapes and parameter counts; the expected counts come from <see cref="ReferenceCount"/>, written out
/// from the architecture (not by summing our modules), and are the numbers in the presets' XML docs and the docs page.</summary>
public sealed class ImprovedMeanFlowDiTPresetTests
{
    /// <summary>Parameters of an iMF DiT: patch convolution with bias; four scalar embedders Linear(F, D), Linear(D, D)
    /// with biases; a class table of K + 1 rows; the in-context token tables; per block four D×D projections without bias,
    /// qk-norm weights (2·D/H), two RMSNorm weights, a SwiGLU of three D×M matrices without bias, two gates of D; two output
    /// layers with an RMSNorm weight and Linear(D, p²C) with bias.</summary>
    internal static long ReferenceCount(long s, long c, long p, long d, long blocks, long heads, long classes, long tokens, long f = 256)
    {
        var m = (long)(d * 8.0 / 3.0);
        var patch = d * c * p * p + d;
        var embedders = 4 * (f * d + d + d * d + d);
        var block = 4 * d * d + 2 * (d / heads) + 2 * d + 3 * d * m + 2 * d;
        var output = 2 * (d + d * p * p * c + p * p * c);
        return patch + embedders + (classes + 1) * d + tokens * d + blocks * block + output;
    }

    [Theory]
    [InlineData("B2", 12, 768, 12, 2, 8)]
    [InlineData("M2", 24, 768, 12, 2, 8)]
    [InlineData("L2", 32, 1024, 16, 2, 8)]
    [InlineData("XL2", 48, 1024, 16, 2, 8)]
    [InlineData("Tiny", 6, 128, 4, 4, 2)]
    public void PresetHasTheOfficialShapeAndTheReferenceParameterCount(string name, int depth, int hidden, int heads, int patch, int aux)
    {
        var meta = new Device(DeviceType.META);
        foreach (var withV in new[] { true, false })
        {
            using var model = name switch
            {
                "B2" => ImprovedMeanFlowDiT.B2(instantaneousHead: withV, device: meta),
                "M2" => ImprovedMeanFlowDiT.M2(instantaneousHead: withV, device: meta),
                "L2" => ImprovedMeanFlowDiT.L2(instantaneousHead: withV, device: meta),
                "XL2" => ImprovedMeanFlowDiT.XL2(instantaneousHead: withV, device: meta),
                _ => ImprovedMeanFlowDiT.Tiny(instantaneousHead: withV, device: meta),
            };
            var c = model.Config;
            Assert.Equal((depth, hidden, heads, patch, aux, withV), (c.Depth, c.HiddenSize, c.Heads, c.PatchSize, c.AuxHeadDepth, c.InstantaneousHead));
            var count = model.parameters().Sum(q => q.numel());
            var reference = ReferenceCount(c.InputSize, c.InChannels, c.PatchSize, c.HiddenSize, c.Depth + (withV ? c.AuxHeadDepth : 0),
                c.Heads, c.Classes, c.PrefixTokens);
            Assert.Equal(reference, count);
            Assert.Equal(count, model.state_dict().Sum(q => q.Value.numel()));    // no buffers: the RoPE tables are not state
            Console.WriteLine($"{name} v-head {withV}: {count:N0}");
        }
    }

    [Theory]
    [InlineData(768, 12, 12, 145_596_960, 88_948_256)]
    [InlineData(768, 24, 12, 230_570_016, 173_921_312)]
    [InlineData(1024, 32, 16, 509_752_352, 409_071_648)]
    [InlineData(1024, 48, 16, 711_113_760, 610_433_056)]
    public void TheStatedCountsAreTheReferenceCounts(int hidden, int depth, int heads, long withV, long without)
    {
        Assert.Equal(withV, ReferenceCount(32, 4, 2, hidden, depth + 8, heads, 1000, 20));
        Assert.Equal(without, ReferenceCount(32, 4, 2, hidden, depth, heads, 1000, 20));
        // The iMF paper (Geng et al. 2025b) lists iMF-B/2 at 89M parameters: the inference network.
        if (depth == 12) Assert.Equal(89, Math.Round(without / 1e6));
    }

    [Fact]
    public void TheTinyPresetHasItsStatedCount()
    {
        using var model = ImprovedMeanFlowDiT.Tiny(device: new Device(DeviceType.META));
        Assert.Equal(1_783_328, model.parameters().Sum(q => q.numel()));
        Assert.Equal(1_783_328, ReferenceCount(28, 1, 4, 128, 8, 4, 10, 10));
        Assert.Equal(1_389_216, ReferenceCount(28, 1, 4, 128, 6, 4, 10, 10));
    }
}
