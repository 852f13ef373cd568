using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.Tests.Checkpoints;
using MeanFlow.Objectives;
using MeanFlow.Tests;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Docs;

/// <summary>The code of docs/articles/backbones.md (the article includes these regions), compiled and run.</summary>
public sealed class BackbonesSnippetTests
{
    [Fact]
    public void SmallDiTTakesAMeanFlowStepThatReachesOnlyTheFinalLayer()
    {
        using var scope = NewDisposeScope();
        #region dit-training-step
        var generator = new Generator(1);
        using var model = MeanFlowDiT.Small(classes: 10, generator: generator);    // 32×32×3, 7.5 M parameters
        var images = rand(new long[] { 2, 3, 32, 32 }, generator: generator) * 2 - 1;   // (B, 3, 32, 32) in [-1, 1]
        var labels = tensor(new long[] { 3, 7 });                                 // (B,) in [0, 10]; 10 is ∅

        var objective = new MeanFlowObjective();        // forward-mode JVP: the DiT propagates the tangent itself
        var output = objective.Compute(model, images, labels, generator);
        output.Loss.backward();
        #endregion

        Assert.Equal(7_524_144L, model.parameters().Sum(p => p.numel()));
        var loss = output.Loss.ToDouble();
        Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
        // u = 0 and du/dt = 0 at initialisation: the first gradient reaches the final linear layer and nothing else.
        var reachedNames = new List<string>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var reached = parameter.grad is { } g && g.abs().max().ToDouble() > 0;
            Assert.True(reached == name.StartsWith("final_layer.linear."), $"{name}: gradient reached = {reached}");
            if (reached) reachedNames.Add(name);
        }
        Assert.Equal(new[] { "final_layer.linear.weight", "final_layer.linear.bias" }, reachedNames);
    }

    [Fact]
    public void APyTorchCheckpointLoadsAndSavesInBothFormats()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var stateDictFile = Fixtures.File("mfdit_tiny.pt");               // torch.save(model.state_dict(), …)
        var trainingCheckpoint = Fixtures.File("mfdit_tiny_nested.pt");   // {"model": …, "ema": halved, "step": 100}
        var ddpFile = folder.File("ddp.pt");                              // the same keys, prefixed by "module."
        var pytorchValues = StateDictFile.Read(stateDictFile);
        using (var stream = System.IO.File.Create(ddpFile))
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, pytorchValues.ToDictionary(p => "module." + p.Key, p => p.Value));
        var (safetensorsOut, pytorchOut) = (folder.File("mfdit.safetensors"), folder.File("mfdit.pt"));

        #region state-dict-files
        // MFDiT's layout, saved by PyTorch 1.13: input 4×4×2, patch 2, dim 8, depth 2, 2 heads, 3 classes,
        // time inputs (t, r). MFDiT's MNIST model is the same with (32, 1, 2, 512, 12, 8, classes: 10).
        var config = new MeanFlowDiTConfig(inputSize: 4, inChannels: 2, patchSize: 2, hiddenSize: 8, depth: 2,
            heads: 2, classes: 3, conditioning: TimeConditioning.TimeAndStart);
        using var model = new MeanFlowDiT(config, dtype: ScalarType.Float64);
        var result = StateDictFile.Load(model, stateDictFile);                              // strict by default

        using var ema = new MeanFlowDiT(config, dtype: ScalarType.Float64);                 // one entry of a dict
        StateDictFile.Load(ema, trainingCheckpoint, new StateDictLoadOptions(entry: "ema"));
        using var ddp = new MeanFlowDiT(config, dtype: ScalarType.Float64);                 // DistributedDataParallel
        StateDictFile.Load(ddp, ddpFile, new StateDictLoadOptions(stripPrefix: "module."));

        StateDictFile.Save(model, safetensorsOut, StateDictFormat.Safetensors);   // Python: safetensors.torch.load_file
        StateDictFile.Save(model, pytorchOut, StateDictFormat.PyTorch);           // Python: torch.load
        #endregion

        var state = model.state_dict();
        Assert.Equal(StateDictFormat.PyTorch, result.Format);
        Assert.Equal(state.Count, result.LoadedKeys.Count);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        foreach (var (key, value) in state)
        {
            Assert.True(Identical(value, pytorchValues[key]), $"{key} as PyTorch saved it");
            Assert.True(Identical(ema.state_dict()[key], value * 0.5), $"{key} of the 'ema' entry");
            Assert.True(Identical(ddp.state_dict()[key], value), $"{key} without its prefix");
        }
        foreach (var (file, format) in new[] { (safetensorsOut, StateDictFormat.Safetensors), (pytorchOut, StateDictFormat.PyTorch) })
        {
            Assert.Equal(format, StateDictFile.Detect(file));
            var saved = StateDictFile.Read(file);
            Assert.Equal(state.Keys.OrderBy(k => k), saved.Keys.OrderBy(k => k));
            Assert.All(state, p => Assert.True(Identical(saved[p.Key], p.Value), $"{p.Key} saved as {format}"));
        }
    }
}
