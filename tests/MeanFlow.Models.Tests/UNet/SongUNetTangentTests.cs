using static MeanFlow.Models.Tests.Layers.Float64Inputs;
using static MeanFlow.Models.Tests.UNet.UNetTestNets;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>The whole U-Net's forward-mode tangent against double backward, for every time conditioning, with and
/// without labels, for K = 0, K &lt; B and K = B, in evaluation mode and in training mode (dropout).</summary>
public sealed class SongUNetTangentTests
{
    private const long DropoutSeed = 99;

    public static TheoryData<TimeConditioning, bool> Modes()
    {
        var data = new TheoryData<TimeConditioning, bool>();
        foreach (var c in Enum.GetValues<TimeConditioning>())
            foreach (var conditional in new[] { false, true }) data.Add(c, conditional);
        return data;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void TangentEqualsDoubleBackward(TimeConditioning conditioning, bool conditional)
    {
        using var generator = new Generator(1);
        using var net = Perturbed(TinyOptions(conditioning, conditional ? Classes : 0), generator);
        var (z, r, t) = Inputs(4, 2);
        var labels = conditional ? Labels(0, Classes, 2, 1) : null;   // row 1: the null class
        void Reseed() => generator.manual_seed(DropoutSeed);
        Dual Net(Tensor[] xs, Tensor[]? ds = null) =>
            net.Forward(new Dual(xs[0], ds?[0]), new Dual(xs[1], ds?[1]), new Dual(xs[2], ds?[2]), labels);

        foreach (var training in new[] { false, true })
        {
            net.train(training);
            foreach (var k in new long[] { 0, 2, 4 })
            {
                using var scope = NewDisposeScope();
                var g = Seeded(10 + (ulong)k);
                var directions = new[] { Normal(g, k, Channels, Resolution, Resolution), Normal(g, k), Normal(g, k) };
                Reseed();
                var output = Net(new[] { z, r, t }, directions);
                Reseed();
                var plain = Net(new[] { z, r, t });
                Assert.True(Identical(plain.Primal, output.Primal), "the primal must be bit-identical with and without tangent");
                Assert.Equal(new[] { k, Channels, Resolution, Resolution }, output.Tangent!.shape);
                Assert.False(output.Tangent.requires_grad);
                if (k == 0) continue;

                Tensor expected;
                if (!training)
                {
                    // Core's engine: a second forward pass on the leading K rows, differentiated twice.
                    var exact = new DoubleBackwardJvp().Compute(net, z, r, t, labels, new InputTangent(directions[0], directions[1], directions[2]));
                    Assert.True(Identical(exact.Value, output.Primal));
                    expected = exact.Tangent;
                }
                else
                {
                    // Dropout: differentiate the whole-batch function with the generator re-seeded before every
                    // call, so that each evaluation draws the masks the tangent pass used. The direction is zero on
                    // rows K..B−1; their JVP must vanish (rows do not interact) and rows 0..K−1 are the reference.
                    var padded = directions.Select(d => cat(new[] { d, zeros(new[] { 4 - k }.Concat(d.shape.Skip(1)).ToArray(), dtype: d.dtype) })).ToArray();
                    var full = DoubleBackwardJvp(xs => { Reseed(); return Net(xs).Primal; }, new[] { z, r, t }, padded);
                    var scale = full.abs().max().ToDouble();
                    if (k < 4) Assert.True(full.narrow(0, k, 4 - k).abs().max().ToDouble() <= 1e-12 * scale, "rows without a tangent must have a zero JVP");
                    expected = full.narrow(0, 0, k);
                }
                Assert.True(expected.abs().max().ToDouble() > 0, "the reference JVP is zero: the check could not fail");
                AssertClose(output.Tangent, expected, DefaultTolerance, $"{conditioning}, labels = {conditional}, training = {training}, K = {k}");
            }
        }
    }

    [Fact]
    public void TrainingTangentUsesTheSameDropoutMasksAsThePrimal()
    {
        // With a fresh mask for the tangent, the tangent would not be the JVP of the function the primal evaluated:
        // a tangent pass and a plain pass with different seeds must disagree, with equal seeds agree (above).
        using var generator = new Generator(3);
        using var net = Perturbed(TinyOptions(), generator);
        net.train();
        var (z, r, t) = Inputs(3, 4);
        generator.manual_seed(1);
        var first = net.AverageVelocity(z, r, t);
        generator.manual_seed(2);
        var second = net.AverageVelocity(z, r, t);
        Assert.False(Identical(first, second), "dropout must be active in training mode");
        net.eval();
        Assert.True(Identical(net.AverageVelocity(z, r, t), net.AverageVelocity(z, r, t)), "evaluation mode is deterministic");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    public void ForwardModeEngineMatchesTheDoubleBackwardEngineAlongTheTrajectory(long k)
    {
        // MeanFlow's tangent (v, 0, 1) through Core's two engines, default (t, t − r) conditioning, conditional network.
        using var generator = new Generator(5);
        using var net = Perturbed(TinyOptions(classes: Classes), generator);
        net.eval();
        var (z, r, t) = Inputs(5, 6);
        var labels = Labels(2, 0, 1, Classes, 2);
        var tangent = InputTangent.AlongTrajectory(Normal(Seeded(7), k, Channels, Resolution, Resolution));
        using var forward = new ForwardModeJvp().Compute(net, z, r, t, labels, tangent);
        using var exact = new DoubleBackwardJvp().Compute(net, z, r, t, labels, tangent);
        Assert.True(Identical(forward.Value, exact.Value));
        Assert.Equal(new[] { k, Channels, Resolution, Resolution }, forward.Tangent.shape);
        if (k > 0) AssertClose(forward.Tangent, exact.Tangent, DefaultTolerance, "forward mode vs double backward");
    }

    [Fact]
    public void ForwardPassesLeaveNoTensorsOutsideTheCallersScope()
    {
        using var generator = new Generator(8);
        using var net = Perturbed(TinyOptions(classes: Classes), generator);
        net.train();
        var (z, r, t) = Inputs(3, 9);
        var labels = Labels(1, 2, 0);
        var tangent = InputTangent.AlongTrajectory(Normal(Seeded(10), 2, Channels, Resolution, Resolution));
        var statistics = DisposeScopeManager.Statistics;
        var before = statistics.ThreadTotalLiveCount;
        using (NewDisposeScope())
        {
            var output = net.AverageVelocityWithTangent(z, r, t, labels, tangent);
            (output.Value.square().sum() + output.Tangent.sum()).backward();
            net.AverageVelocity(z, r, t, labels);
        }
        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }
}
