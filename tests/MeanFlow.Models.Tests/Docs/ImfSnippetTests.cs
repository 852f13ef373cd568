using MeanFlow.Fields;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.DiT;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Tests.Checkpoints;
using Xunit;
using static MeanFlow.Tests.TestTensors;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.Docs;

/// <summary>The code of docs/articles/backbones-imf.md (the article includes these regions), compiled and run on the
/// tiny fixtures in place of the real checkpoints.</summary>
public sealed class ImfSnippetTests
{
    [Fact]
    public void AConvertedOfficialCheckpointLoadsAndSamplesAtAnyGuidance()
    {
        using var scope = NewDisposeScope();
        var path = Fixtures.File("imf_dit_tiny_inference.pt");     // in practice: the official iMF-B-2 inference .pth
        var config = new ImprovedMeanFlowDiTConfig(8, 2, 2, 8, 4, 2, 3, auxHeadDepth: 2, classTokens: 4, timeTokens: 2,
            guidanceTokens: 3, intervalTokens: 2, instantaneousHead: false);
        #region imf-load
        // An inference checkpoint has no v-head blocks: build the model without them (ImprovedMeanFlowDiT.B2(instantaneousHead:
        // false) for iMF-B-2), and load with the official key prefix "net." removed.
        using var model = new ImprovedMeanFlowDiT(config);
        StateDictFile.Load(model, path, ImprovedMeanFlowDiT.ConvertedCheckpointOptions);
        model.eval();

        // One step from noise (t = 1) to data (r = 0) at guidance ω = 4 on the interval [0.2, 0.8], chosen now.
        var noise = randn(4, 2, 8, 8);
        var labels = tensor(new long[] { 0, 1, 2, 3 });                  // 3 is the null class ∅
        var guidance = GuidanceConditions.Constant(4, 4.0, 0.2, 0.8, ScalarType.Float32, CPU);
        using var noGrad = no_grad();
        var u = model.AverageVelocity(noise, zeros(4), ones(4), labels, guidance);   // the v path is skipped
        var images = noise - u;                                          // x = ε − (1 − 0)·u(ε, 0, 1)
        #endregion
        Assert.Equal(new long[] { 4, 2, 8, 8 }, images.shape);
        Assert.True(u.abs().max().ToDouble() > 0.1);
        using var heads = model.Velocities(noise, zeros(4), ones(4), labels, guidance);
        Assert.True(Identical(heads.Average, u));
    }

    [Fact]
    public void TheCurrentMfditLayoutLoadsWithTwoHeads()
    {
        using var scope = NewDisposeScope();
        #region mfdit-two-head
        // haidog-yaqub/MeanFlow's current MFDiT: (t, r) embedders, w_embedder of ω / max_cfg, final_layer_u and final_layer_v.
        var config = new MeanFlowDiTConfig(inputSize: 4, inChannels: 2, patchSize: 2, hiddenSize: 8, depth: 2, heads: 2, classes: 3,
            conditioning: TimeConditioning.TimeAndStart, guidance: GuidanceInputs.Scale, maxGuidanceScale: 4.0, instantaneousHead: true);
        using var model = new MeanFlowDiT(config);
        StateDictFile.Load(model, Fixtures.File("mfdit_imf_tiny.pt"));
        #endregion
        Assert.True(model.HasInstantaneousHead);
    }
}
