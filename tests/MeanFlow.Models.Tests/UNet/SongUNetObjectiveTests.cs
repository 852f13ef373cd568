using MeanFlow.Objectives;
using static MeanFlow.Models.Tests.Layers.Float64Inputs;
using static MeanFlow.Models.Tests.UNet.UNetTestNets;

namespace MeanFlow.Models.Tests.UNet;

/// <summary>The MeanFlow loss's parameter gradients with the U-Net's forward-mode tangent equal those with Core's
/// double-backward engine, in evaluation and training mode, and reach every parameter.</summary>
public sealed class SongUNetObjectiveTests
{
    private const long DropoutSeed = 21;

    /// <summary>
    /// The network with its dropout generator re-seeded before every call, so every call with B rows draws the same
    /// masks. A call on fewer rows (the double-backward engine's tangent pass on the leading K rows) is evaluated on
    /// the whole batch it last saw with those rows replaced, then narrowed: the function of the leading rows with
    /// the same masks. Rows of the U-Net do not interact, so this is exactly the K-row network with those masks.
    /// </summary>
    private sealed class ReplayedDropoutField : ITangentVelocityField
    {
        private readonly SongUNet _net;
        private readonly Generator _generator;
        private Tensor? _z, _r, _t, _labels;

        internal ReplayedDropoutField(SongUNet net, Generator generator) => (_net, _generator) = (net, generator);

        public Tensor AverageVelocity(Tensor z, Tensor r, Tensor t, Tensor? labels = null)
        {
            _generator.manual_seed(DropoutSeed);
            var k = z.shape[0];
            if (_z is null || k == _z.shape[0])
            {
                (_z, _r, _t, _labels) = (z.detach(), r.detach(), t.detach(), labels);
                return _net.AverageVelocity(z, r, t, labels);
            }
            Tensor Pad(Tensor leading, Tensor whole) => cat(new[] { leading, whole.narrow(0, k, whole.shape[0] - k) });
            return _net.AverageVelocity(Pad(z, _z), Pad(r, _r!), Pad(t, _t!), labels is null ? null : Pad(labels, _labels!)).narrow(0, 0, k);
        }

        public JvpOutput AverageVelocityWithTangent(Tensor z, Tensor r, Tensor t, Tensor? labels, InputTangent tangent)
        {
            _generator.manual_seed(DropoutSeed);
            return _net.AverageVelocityWithTangent(z, r, t, labels, tangent);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void LossGradientsWithForwardModeEqualDoubleBackward(bool training, bool conditional)
    {
        const long b = 6;
        var g = Seeded(31);
        var x = Normal(g, b, Channels, Resolution, Resolution);
        var noise = Normal(g, b, Channels, Resolution, Resolution);
        var t = rand(new[] { b }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new[] { b }, dtype: ScalarType.Float64, generator: g);
        r[1] = t[1];   // rows with r = t (no JVP needed) mixed in; the objective moves the others first
        r[4] = t[4];
        var labels = conditional ? Labels(0, 2, Classes, 1, 0, 2) : null;
        var batch = new ObjectiveBatch(x, noise, r: r, t: t, labels);

        Dictionary<string, Tensor> Gradients(IJvpEngine engine)
        {
            using var generator = new Generator(32);
            using var net = Perturbed(TinyOptions(classes: conditional ? Classes : 0), generator);
            net.train(training);
            var output = new MeanFlowObjective(jvp: engine).Compute(new ReplayedDropoutField(net, generator), batch);
            Assert.Equal(4, output.DistinctRows);
            output.Loss.backward();
            return net.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad?.clone() ?? throw new Xunit.Sdk.XunitException($"{p.name} has no gradient"));
        }

        var exact = Gradients(new DoubleBackwardJvp());
        var forward = Gradients(new ForwardModeJvp());
        Assert.Equal(exact.Keys, forward.Keys);
        foreach (var (name, reference) in exact)
        {
            Assert.True(reference.abs().max().ToDouble() > 0, $"{name} gets a zero gradient");
            AssertClose(forward[name], reference, 1e-8, name);
        }
    }
}
