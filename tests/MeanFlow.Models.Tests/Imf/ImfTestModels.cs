using System.Collections.Generic;
using MeanFlow.Fields;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Tests.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Imf;

/// <summary>The tiny official-layout iMF DiT of Fixtures/make_imf_fixtures.py: 8×8×2 inputs, patch 2 (16 patches),
/// hidden 8, 2 heads, SwiGLU 21, depth 4 with heads of 2 blocks, 3 classes, 4 class, 3 guidance, 2 + 2 interval and 2
/// time tokens.</summary>
internal static class ImfTestModels
{
    internal const int ImageSize = 8, Channels = 2, Classes = 3;

    internal static ImprovedMeanFlowDiTConfig FixtureConfig(bool instantaneousHead = true) =>
        new(ImageSize, Channels, 2, 8, 4, 2, Classes, auxHeadDepth: 2, classTokens: 4, timeTokens: 2, guidanceTokens: 3,
            intervalTokens: 2, instantaneousHead: instantaneousHead);

    /// <summary>The fixture's model, loaded from imf_dit_tiny.pt (or the inference file) in <paramref name="dtype"/>.</summary>
    internal static ImprovedMeanFlowDiT Loaded(ScalarType dtype = ScalarType.Float64, bool instantaneousHead = true)
    {
        var model = new ImprovedMeanFlowDiT(FixtureConfig(instantaneousHead), new Generator(1), dtype: dtype);
        StateDictFile.Load(model, Fixtures.File(instantaneousHead ? "imf_dit_tiny.pt" : "imf_dit_tiny_inference.pt"),
            ImprovedMeanFlowDiT.ConvertedCheckpointOptions);
        return model;
    }

    /// <summary>The inputs and outputs stored with the fixture.</summary>
    internal static Dictionary<string, Tensor> Io() => StateDictFile.Read(Fixtures.File("imf_dit_tiny_io.pt"));

    internal static GuidanceConditions GuidanceOf(Dictionary<string, Tensor> io, ScalarType dtype = ScalarType.Float64) =>
        new(io["omega"].to(dtype), io["t_min"].to(dtype), io["t_max"].to(dtype));
}
