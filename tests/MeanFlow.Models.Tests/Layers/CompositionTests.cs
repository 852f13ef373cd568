using static MeanFlow.Models.Tests.Layers.Float64Inputs;

namespace MeanFlow.Models.Tests.Layers;

/// <summary>Small backbones assembled from the layers, as the DiT and U-Net will be: the tangent of the whole
/// network along MeanFlow's (v, 0, 1) equals double backward, and no parameter loses its gradient.</summary>
public sealed class CompositionTests
{
    public CompositionTests() => random.manual_seed(6);

    /// <summary>A DiT block with adaLN (not zero-initialised, so that every path carries a tangent).</summary>
    private sealed class Block : nn.Module<Dual, Dual, Dual>
    {
        private readonly DualRmsNorm norm1, norm2;
        private readonly SelfAttention attn;
        private readonly DualSequential mlp, adaLN_modulation;

        public Block(long d) : base(nameof(Block))
        {
            norm1 = new DualRmsNorm(d, elementwiseAffine: false);
            norm2 = new DualRmsNorm(d, elementwiseAffine: false);
            attn = new SelfAttention(d, 2, qkNorm: true);
            mlp = new DualSequential(new DualLinear(d, 2 * d), new DualGelu(), new DualLinear(2 * d, d));
            adaLN_modulation = new DualSequential(new DualSilu(), new DualLinear(d, 6 * d));
            RegisterComponents();
        }

        public override Dual forward(Dual x, Dual c)
        {
            var m = adaLN_modulation.call(c).Chunk(6, 1).Select(p => p.MapLinear(t => t.unsqueeze(1))).ToArray();
            x = x + m[2] * attn.call(Modulation.Apply(norm1.call(x), m[0], m[1]));
            return x + m[5] * mlp.call(Modulation.Apply(norm2.call(x), m[3], m[4]));
        }
    }

    /// <summary>u(z, r, t | y) of a one-block DiT with (t, t − r) conditioning.</summary>
    private sealed class TinyDiT : nn.Module<Dual, Dual, Dual, Dual>
    {
        private const long Size = 4, Patch = 2, Channels = 2, Width = 8;
        private readonly PatchEmbed x_embedder;
        private readonly TimestepEmbedder t_embedder, r_embedder;
        private readonly LabelEmbedder y_embedder;
        private readonly Block block;
        private readonly DualLinear final;
        private readonly Tensor pos_embed;

        public TinyDiT() : base(nameof(TinyDiT))
        {
            x_embedder = new PatchEmbed(Channels, Width, Patch);
            t_embedder = new TimestepEmbedder(Width, 16);
            r_embedder = new TimestepEmbedder(Width, 16);
            y_embedder = new LabelEmbedder(3, Width);
            block = new Block(Width);
            final = new DualLinear(Width, Patch * Patch * Channels);
            pos_embed = SinCosPositionEmbedding.Create2D(Width, Size / Patch, Size / Patch).unsqueeze(0);
            RegisterComponents();
            foreach (var p in parameters().Where(p => p.dim() > 0)) using (no_grad()) p.add_(randn(p.shape).mul_(0.1));
        }

        public Tensor? Labels { get; set; }

        public override Dual forward(Dual z, Dual r, Dual t)
        {
            var x = x_embedder.call(z) + pos_embed;                             // (B, N, D)
            var c = t_embedder.call(t) + r_embedder.call(t - r);                // (B, D)
            if (Labels is not null) c = c + y_embedder.call(Labels.narrow(0, 0, z.Rows));   // B rows, or K in the reference
            x = block.call(x, c);
            return Unpatchify.Apply(final.call(x), Channels, Patch, Size / Patch, Size / Patch);
        }
    }

    [Fact]
    public void TinyDiTTangentAlongTheTrajectoryIsExact()
    {
        using var net = new TinyDiT();
        net.to(ScalarType.Float64);
        net.Labels = tensor(new long[] { 0, 2, 1, 3, 1 });
        var g = Seeded(1);
        var z = Normal(g, 5, 2, 4, 4);
        var t = rand(new long[] { 5 }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new long[] { 5 }, dtype: ScalarType.Float64, generator: g);
        Dual Net(Dual[] xs) => net.call(xs[0], xs[1], xs[2]);
        TangentIsExactForAllRowCounts(Net, new[] { z, r, t });
        GradientsAreUnchanged(Net, net.parameters(), new[] { z, r, t });
    }

    [Fact]
    public void TinyDiTAgreesWithTheForwardModeEngineContract()
    {
        // MeanFlow's tangent (v, 0, 1) on the leading K rows: the dt path alone must match double backward too.
        using var net = new TinyDiT();
        net.to(ScalarType.Float64);
        var g = Seeded(2);
        var z = Normal(g, 4, 2, 4, 4);
        var t = rand(new long[] { 4 }, dtype: ScalarType.Float64, generator: g);
        var r = t * 0.5;
        const long k = 3;
        var v = Normal(g, k, 2, 4, 4);
        var output = net.call(new Dual(z, v), new Dual(r, zeros(k, dtype: ScalarType.Float64)), new Dual(t, ones(k, dtype: ScalarType.Float64)));
        var expected = DoubleBackwardJvp(xs => net.call(new Dual(xs[0]), new Dual(xs[1]), new Dual(xs[2])).Primal,
            Leading(new[] { z, r, t }, k), new[] { v, zeros(k, dtype: ScalarType.Float64), ones(k, dtype: ScalarType.Float64) });
        AssertClose(output.Tangent!, expected, DefaultTolerance);
    }

    /// <summary>The tiny DiT as a MeanFlow field, written once on pairs as the library's backbones are.</summary>
    private sealed class TinyDiTField : DualVelocityField
    {
        private readonly TinyDiT net;

        public TinyDiTField(TinyDiT net) : base(nameof(TinyDiTField))
        {
            this.net = net;
            RegisterComponents();
        }

        public override Dual Forward(Dual z, Dual r, Dual t, Tensor? labels = null)
        {
            net.Labels = labels;
            return net.call(z, r, t);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    public void ForwardModeEngineMatchesTheDoubleBackwardEngineOfCore(long k)
    {
        using var net = new TinyDiT();
        net.to(ScalarType.Float64);
        var field = new TinyDiTField(net);
        var g = Seeded(6);
        var z = Normal(g, 5, 2, 4, 4);
        var t = rand(new long[] { 5 }, dtype: ScalarType.Float64, generator: g);
        var r = t * rand(new long[] { 5 }, dtype: ScalarType.Float64, generator: g);
        var labels = tensor(new long[] { 0, 2, 1, 3, 1 });
        var tangent = InputTangent.AlongTrajectory(Normal(g, k, 2, 4, 4));
        using var forward = new ForwardModeJvp().Compute(field, z, r, t, labels, tangent);
        using var exact = new DoubleBackwardJvp().Compute(field, z, r, t, labels, tangent);
        Assert.True(Identical(forward.Value, exact.Value));
        Assert.Equal(new[] { k, 2L, 4, 4 }, forward.Tangent.shape);
        if (k > 0) AssertClose(forward.Tangent, exact.Tangent, DefaultTolerance, "forward mode vs double backward");
    }

    [Fact]
    public void ForwardPassesLeaveNoTensorsOutsideTheCallersScope()
    {
        using var net = new TinyDiT();
        net.to(ScalarType.Float64);
        var g = Seeded(5);
        var z = Normal(g, 4, 2, 4, 4);
        var t = rand(new long[] { 4 }, dtype: ScalarType.Float64, generator: g);
        var dz = Normal(g, 2, 2, 4, 4);
        var (r, dr, dt) = (t * 0.5, zeros(2, dtype: ScalarType.Float64), ones(2, dtype: ScalarType.Float64));
        var statistics = TorchSharp.DisposeScopeManager.Statistics;
        var before = statistics.ThreadTotalLiveCount;
        using (NewDisposeScope())
        {
            var output = net.call(new Dual(z, dz), new Dual(r, dr), new Dual(t, dt));
            (output.Primal.square().sum() + output.Tangent!.sum()).backward();
        }
        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }

    /// <summary>A U-Net-like stack: conv, GroupNorm, SiLU, dropout, down, up, skip concatenation, conv.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TinyUNetTangentIsExact(bool training)
    {
        using var generator = new Generator(3);
        var inConv = new DualConv2d(2, 8, 3, padding: 1);
        var norm = new DualGroupNorm(4, 8);
        var dropout = new DualDropout(0.2, generator);
        var down = new Downsample2x();
        var mid = new DualConv2d(8, 8, 3, padding: 1);
        var up = new Upsample2x();
        var outConv = new DualConv2d(16, 2, 3, padding: 1);
        var modules = new nn.Module[] { inConv, norm, dropout, down, mid, up, outConv };
        foreach (var m in modules)
        {
            m.to(ScalarType.Float64);
            if (training) m.train(); else m.eval();
        }
        Dual Net(Dual[] xs)
        {
            var h = inConv.call(xs[0]);
            var e = dropout.call(new DualSilu().call(norm.call(h)));
            var u = up.call(new DualSilu().call(mid.call(down.call(e))));
            return outConv.call(Dual.Cat(new[] { u, h }, 1));
        }
        var x = Normal(Seeded(4), 4, 2, 4, 4);
        void Reseed() => generator.manual_seed(3);
        var reference = training ? null : (Func<Tensor[], Tensor>?)null;
        if (training)
        {
            // With dropout active, compare against the same masks: reseed before the reference pass too.
            TangentIsExactForAllRowCounts(Net, new[] { x }, reference: xs => { Reseed(); return Net(Plain(xs)).Primal; }, beforeEachCall: Reseed);
        }
        else
        {
            TangentIsExactForAllRowCounts(Net, new[] { x });
        }
        GradientsAreUnchanged(Net, modules.SelectMany(m => m.parameters()), new[] { x }, beforeEachCall: Reseed);
    }
}
