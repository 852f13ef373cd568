using MeanFlow.Fields;
using MeanFlow.Models.Checkpoints;
using MeanFlow.Models.DiT;
using MeanFlow.Objectives;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Models.Tests.DiT;

/// <summary>The code samples of docs/articles/backbones.md, compiled (and the first one run) so that they stay valid.</summary>
public sealed class BackbonesArticleExamples
{
    [Fact]
    public void TrainingSampleRuns()
    {
        using var scope = NewDisposeScope();
        var generator = new torch.Generator(2);
        var images = rand(new long[] { 2, 3, 32, 32 }, generator: generator) * 2 - 1;
        var labels = tensor(new long[] { 3, 7 });

        var model = MeanFlowDiT.Small(classes: 10, generator: new torch.Generator(1));    // 32×32×3, 7.5 M parameters
        var objective = new MeanFlowObjective();                 // forward-mode JVP: the DiT propagates the tangent itself
        var output = objective.Compute(model, images, labels, generator);
        output.Loss.backward();

        Assert.True(output.Loss.ToDouble() > 0);
        model.Dispose();
    }

    /// <summary>The loading sample (compiled only: it needs an MFDiT checkpoint trained on MNIST).</summary>
    internal static StateDictLoadResult LoadingSample()
    {
        // An MFDiT trained on MNIST: input 32×32×1, dim 512, depth 12, 8 heads, 10 classes, time inputs (t, r).
        var model = new MeanFlowDiT(new MeanFlowDiTConfig(32, 1, 2, 512, 12, 8, classes: 10,
            conditioning: TimeConditioning.TimeAndStart));
        var result = StateDictFile.Load(model, "step_0200000.pt");                    // strict by default
        StateDictFile.Load(model, "checkpoint.pt", new StateDictLoadOptions(entry: "ema", stripPrefix: "module."));

        StateDictFile.Save(model, "mnist.safetensors", StateDictFormat.Safetensors);  // Python: safetensors.torch.load_file
        StateDictFile.Save(model, "mnist.pt", StateDictFormat.PyTorch);               // Python: torch.load
        return result;
    }
}
