using MeanFlow.Fields;
using MeanFlow.Guidance;
using MeanFlow.Jvp;
using MeanFlow.Models.Imf;
using MeanFlow.Models.Mlp;
using MeanFlow.Objectives;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Training;

/// <summary>
/// The improved-MeanFlow training step reads nothing back from the device, as <see cref="HostReadTests"/> shows for
/// MeanFlow: <c>DrawGuided</c>, <c>Compute</c>, backward and an Adam step leave the HostRead seam's per-thread counter
/// where it was, for a single-head field serving as its own v-head, the two-head MLP and the iMF DiT, with forward-mode
/// and double-backward JVPs, class labels, label drop and drawn guidance (the guided and conditional v-head passes
/// included). The source scan of <see cref="HotPathSourceTests"/> covers the reads that could bypass the seam.
/// </summary>
public class ImprovedMeanFlowHostReadTests
{
    private const int Classes = 3, Rows = 8;
    private readonly ITestOutputHelper _output;

    public ImprovedMeanFlowHostReadTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, string> Cases() => new()
    {
        { "single-head", "forward" }, { "single-head", "double-backward" }, { "mlp", "forward" }, { "mlp", "double-backward" },
        { "dit", "forward" }, { "dit", "double-backward" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnImprovedMeanFlowTrainingStepMakesNoHostRead(string field, string engine)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        nn.Module module = field switch
        {
            "single-head" => new MlpVelocityField(2, width: 16, depth: 2, classes: Classes),
            "mlp" => new GuidedMlpVelocityField(2, width: 16, depth: 2, classes: Classes),
            _ => new ImprovedMeanFlowDiT(new ImprovedMeanFlowDiTConfig(4, 2, 2, 8, 3, 2, Classes, auxHeadDepth: 1, classTokens: 2,
                timeTokens: 1, guidanceTokens: 1, intervalTokens: 1, frequencyDimension: 8), generator),
        };
        var guided = field == "single-head" ? new SingleHeadGuidedField((IVelocityField)module) : (IGuidedVelocityField)module;
        var x = field == "dit" ? randn(new long[] { Rows, 2, 4, 4 }, generator: generator) : randn(new long[] { Rows, 2 }, generator: generator);
        var labels = randint(0, Classes, new long[] { Rows }, generator: generator);
        IGuidedJvpEngine jvp = engine == "forward" ? new ForwardModeJvp() : new DoubleBackwardJvp();
        var objective = new ImprovedMeanFlowObjective(jvp: jvp, guidance: new GuidanceConditionSampler(Classes, dropProbability: 0.25));
        using var optimizer = optim.Adam(module.parameters(), 1e-3);

        Step();                                              // warm up: lazy initialisation may read once
        var before = HostReads.OnThisThread();
        for (var i = 0; i < 3; i++) Step();
        var reads = HostReads.OnThisThread() - before;
        _output.WriteLine($"iMF {field} {engine}: {reads / 3.0} host reads per step");
        Assert.Equal(0, reads);

        void Step()
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var batch = objective.DrawGuided(x, labels, generator);
            var output = objective.Compute(guided, batch);
            Assert.Equal(Rows / 2, output.DistinctRows);     // half the rows r ≠ t: both kinds of row are exercised
            output.Loss.backward();
            optimizer.step();
        }
    }
}
