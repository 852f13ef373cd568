using System.Linq;
using System.Threading;
using MeanFlow.Jvp;
using MeanFlow.Losses;
using MeanFlow.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace MeanFlow.Tests.Jvp;

/// <summary>
/// The double-backward engine changes no process-wide state per call (the flash attention kernel is switched off once):
/// two objectives on two models, run on two threads at once, give the losses they give one after the other.
/// </summary>
public class ConcurrentObjectivesTests
{
    private const int Steps = 15;

    [Fact]
    public void TwoObjectivesOnTwoThreadsGiveTheSequentialLosses()
    {
        var sequential = new[] { Losses(seed: 1), Losses(seed: 2) };
        var concurrent = new double[2][];
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() => concurrent[i] = Losses(seed: (ulong)i + 1))).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();

        for (var i = 0; i < 2; i++)
            Assert.Equal(sequential[i], concurrent[i]);
        Assert.False(backends.cuda.flash_sdp_enabled());              // switched off once, and left off
    }

    /// <summary>Loss per step of a model with <c>scaled_dot_product_attention</c> trained by plain SGD on fixed batches.</summary>
    private static double[] Losses(ulong seed)
    {
        using var scope = NewDisposeScope();
        const int tokens = 3, width = 4;
        var field = new AttentionField(tokens, width, p: 0.0, seed: seed);
        var objective = new MeanFlowObjective(weighting: new ConstantLossWeighting(), jvp: new DoubleBackwardJvp());
        using var generator = new Generator(seed + 10);
        var x = randn(new long[] { 8, tokens * width }, dtype: float64, generator: generator);
        var losses = new double[Steps];
        for (var s = 0; s < Steps; s++)
        {
            using var stepScope = NewDisposeScope();
            field.zero_grad();
            var output = objective.Compute(field, x, null, generator);
            output.Loss.backward();
            using (no_grad())
                foreach (var p in field.parameters()) p.sub_(p.grad! * 0.05);
            losses[s] = output.Loss.ToDouble();
        }
        return losses;
    }
}
