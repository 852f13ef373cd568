using System;
using System.Linq;
using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Jvp;
using MeanFlow.Models.DiT;
using MeanFlow.Models.Mlp;
using MeanFlow.Models.UNet;
using MeanFlow.Objectives;
using MeanFlow.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Training;

/// <summary>
/// The training step reads nothing back from the device: every host read of the library goes through the internal
/// HostRead seam (a source scan, <see cref="HotPathSourceTests"/>, forbids the others in the hot-path files), and the
/// seam's per-thread counter does not move during a step. A meta device cannot prove this here (libtorch 2.10 has no
/// meta kernel for <c>where</c>); counting is exact for the library's own code, and the scan closes the gap.
/// </summary>
public class HostReadTests
{
    private readonly ITestOutputHelper _output;

    public HostReadTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, string, bool> Cases() => new()
    {
        { "mlp", "forward", false }, { "mlp", "double-backward", false }, { "dit", "forward", false }, { "dit", "double-backward", false },
        { "mlp", "forward", true }, { "dit", "double-backward", true },
        { "unet", "forward", false }, { "unet", "double-backward", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ATrainingStepMakesNoHostRead(string backbone, string engine, bool guided)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        const int classes = 3;
        nn.Module module = backbone switch
        {
            "mlp" => new MlpVelocityField(2, width: 16, depth: 2, classes: classes),
            "dit" => new MeanFlowDiT(new MeanFlowDiTConfig(4, 2, patchSize: 2, hiddenSize: 8, depth: 1, heads: 2, classes: classes,
                mlpRatio: 2.0, frequencyDimension: 8), generator),
            // Labels go through the one-hot of map_label (index_select, not libtorch's one_hot: see HotPathSourceTests).
            _ => new SongUNet(new SongUNetOptions(4, 2, modelChannels: 8, channelMultipliers: new[] { 1, 2 }, embeddingMultiplier: 2,
                blocksPerResolution: 1, attentionResolutions: new[] { 2 }, noiseMultiplier: 1, classes: classes), generator),
        };
        var field = (IVelocityField)module;
        var x = backbone == "mlp" ? randn(new long[] { 8, 2 }, generator: generator) : randn(new long[] { 8, 2, 4, 4 }, generator: generator);
        var labels = randint(0, classes, new long[] { 8 }, generator: generator);
        IJvpEngine jvp = engine == "forward" ? new ForwardModeJvp() : new DoubleBackwardJvp();
        var objective = new MeanFlowObjective(jvp: jvp,
            guidance: guided ? new ClassifierFreeGuidance(classes, scale: 2.0, mixing: 0.5, dropProbability: 0.25) : null);
        using var optimizer = optim.Adam(module.parameters(), 1e-3);

        Step();                                              // warm up: lazy initialisation may read once
        var before = HostReads.OnThisThread();
        for (var i = 0; i < 3; i++) Step();
        var reads = HostReads.OnThisThread() - before;
        _output.WriteLine($"{backbone} {engine} guided={guided}: {reads / 3.0} host reads per step");
        Assert.Equal(0, reads);

        void Step()
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var batch = objective.Draw(x, labels, generator);
            var output = objective.Compute(field, batch);
            output.Loss.backward();
            optimizer.step();
        }
    }

    [Fact]
    public void TrainerRunReadsTheDeviceOnlyAtReportsAndCheckpoints()
    {
        using var fixture = new TrainingFixture();
        using var scope = NewDisposeScope();
        const int classes = 3;
        var field = new MlpVelocityField(2, width: 16, depth: 2, classes: classes);
        var objective = new MeanFlowObjective(guidance: new ClassifierFreeGuidance(classes, scale: 2.0, mixing: 0.5, dropProbability: 0.25));
        using var trainer = Trainer.Create(field, objective, new TrainerOptions(24, maxGradientNorm: 1.0, emaDecays: new[] { 0.9 },
            logEvery: 12, checkpointEvery: 24, checkpointPath: fixture.File("ckpt.bin")));
        var recorder = new TrainingFixture.LossRecorder();
        trainer.Progress.Add(recorder);
        using var generator = new Generator(5);
        var x = randn(new long[] { 8, 2 }, generator: generator);
        var labels = randint(0, classes, new long[] { 8 }, generator: generator);

        var before = HostReads.OnThisThread();
        trainer.Run(_ => new TrainingBatch(x, labels));
        var reads = HostReads.OnThisThread() - before;
        _output.WriteLine($"Trainer.Run: {reads} host reads in 24 steps with 2 reports and 1 checkpoint");
        Assert.Equal(new long[] { 12, 24 }, recorder.Reports.Select(m => m.Step));
        Assert.True(recorder.Reports.All(m => double.IsFinite(m.Loss) && double.IsFinite(m.AverageLoss) && m.GradientNorm > 0));
        Assert.Equal(2, reads);                              // one combined read per report (the checkpoint shares the last)
    }
}
