using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using MeanFlow.Models.DiT;
using MeanFlow.Models.Layers;
using static TorchSharp.torch;

namespace MeanFlow.Benchmarks;

/// <summary>
/// Where the tangent's extra time goes in the DiT: each layer type at the benchmark's shapes (B = 32 rows, 64 tokens,
/// width 256, 4 heads, tangent on the leading K = 8 rows), forward with autograd graph without and with tangent,
/// alternating, medians and minima over rounds (the minimum is the better estimate on a loaded machine); multiplied by how often the layer runs in one forward of the depth-4 DiT.
/// </summary>
internal static class LayerProfile
{
    private const long B = Backbones.BatchSize, N = 64, D = 256, H = 4, K = 8;

    private sealed record Probe(string Name, int CallsPerForward, int Repeats, Func<Dual> Plain, Func<Dual> WithTangent);

    internal static void Run(int rounds)
    {
        Machine.UseBenchmarkThreads();
        var generator = new Generator(1);
        Tensor Leaf(params long[] shape) => randn(shape, generator: generator).requires_grad_(true);
        Tensor Tan(params long[] shape) => randn(shape, generator: generator);
        Dual P(Tensor x) => new(x);
        Dual T(Tensor x, Tensor dx) => new(x, dx);

        var x = Leaf(B, N, D); var dx = Tan(K, N, D);
        var h = Leaf(B, N, 4 * D); var dh = Tan(K, N, 4 * D);
        var c = Leaf(B, D); var dc = Tan(K, D);
        var q = Leaf(B, H, N, D / H); var dq = Tan(K, H, N, D / H);
        var k = Leaf(B, H, N, D / H); var dk = Tan(K, H, N, D / H);
        var v = Leaf(B, H, N, D / H); var dv = Tan(K, H, N, D / H);
        var shift = Leaf(B, 1, D); var dshift = Tan(K, 1, D);
        var scale = Leaf(B, 1, D); var dscale = Tan(K, 1, D);
        var z = Leaf(B, 3, 32, 32); var dz = Tan(K, 3, 32, 32);
        var r = rand(B, generator: generator) * 0.5; var t = r + 0.5;
        var dr = zeros(K); var dt = ones(K);

        var qkv = new DualLinear(D, 3 * D); var proj = new DualLinear(D, D);
        var fc1 = new DualLinear(D, 4 * D); var fc2 = new DualLinear(4 * D, D);
        var ada = new DualSequential(new DualSilu(), new DualLinear(D, 6 * D));
        var norm = new DualRmsNorm(D, elementwiseAffine: false);
        var headNorm = new DualRmsNorm(D / H);
        var gelu = new DualGelu();
        var attention = new SelfAttention(D, H, qkvBias: true, qkNorm: true);
        var block = new DiTBlock(D, H, 4 * D);
        var model = new MeanFlowDiT(Backbones.DiTConfig, new Generator(Backbones.ModelSeed));

        var probes = new List<Probe>
        {
            new("DualLinear 256→768 (qkv)", 4, 10, () => qkv.call(P(x)), () => qkv.call(T(x, dx))),
            new("DualLinear 256→256 (proj)", 4, 10, () => proj.call(P(x)), () => proj.call(T(x, dx))),
            new("DualLinear 256→1024 (fc1)", 4, 10, () => fc1.call(P(x)), () => fc1.call(T(x, dx))),
            new("DualLinear 1024→256 (fc2)", 4, 10, () => fc2.call(P(h)), () => fc2.call(T(h, dh))),
            new("SiLU + DualLinear 256→1536 (adaLN)", 4, 10, () => ada.call(P(c)), () => ada.call(T(c, dc))),
            new("DualRmsNorm (B, N, 256)", 9, 10, () => norm.call(P(x)), () => norm.call(T(x, dx))),
            new("DualRmsNorm q/k (B, 4, N, 64)", 8, 10, () => headNorm.call(P(q)), () => headNorm.call(T(q, dq))),
            new("SoftmaxAttention (B, 4, 64, 64)", 4, 10, () => SoftmaxAttention.Apply(P(q), P(k), P(v), 0.125),
                () => SoftmaxAttention.Apply(T(q, dq), T(k, dk), T(v, dv), 0.125)),
            new("DualGelu (B, N, 1024)", 4, 10, () => gelu.call(P(h)), () => gelu.call(T(h, dh))),
            new("Modulation (B, N, 256)", 9, 10, () => Modulation.Apply(P(x), P(shift), P(scale)),
                () => Modulation.Apply(T(x, dx), T(shift, dshift), T(scale, dscale))),
            new("Dual residual x + g·y (B, N, 256)", 8, 10, () => P(x) + P(shift) * P(x), () => T(x, dx) + T(shift, dshift) * T(x, dx)),
            new("SelfAttention (whole)", 4, 3, () => attention.call(P(x)), () => attention.call(T(x, dx))),
            new("DiTBlock (whole)", 4, 2, () => block.call(P(x), P(c)), () => block.call(T(x, dx), T(c, dc))),
            new("MeanFlowDiT forward (whole)", 1, 1, () => model.Forward(P(z), P(r), P(t), null),
                () => model.Forward(T(z, dz), T(r, dr), T(t, dt), null)),
        };

        Console.WriteLine($"# DiT layer profile, forward with autograd graph, tangent on {K} of {B} rows, {rounds} rounds, medians; {Machine.Describe()}");
        Console.WriteLine($"# load average before: {Machine.LoadAverage()}");
        Console.WriteLine("| Layer | calls per forward | plain ms (median) | with tangent ms (median) | extra × calls ms (median) | plain ms (min) | with tangent ms (min) | extra × calls ms (min) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var probe in probes)
        {
            var plain = new List<double>();
            var tangent = new List<double>();
            for (var round = -2; round < rounds; round++)
            {
                var a = Time(probe.Plain, probe.Repeats);
                var b = Time(probe.WithTangent, probe.Repeats);
                if (round < 0) continue;
                plain.Add(a);
                tangent.Add(b);
            }
            double p = InterleavedRun.Median(plain), w = InterleavedRun.Median(tangent), pm = plain.Min(), wm = tangent.Min();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {probe.Name} | {probe.CallsPerForward} | {p:F3} | {w:F3} | {(w - p) * probe.CallsPerForward:F2} | {pm:F3} | {wm:F3} | {(wm - pm) * probe.CallsPerForward:F2} |"));
        }
        Console.WriteLine($"# load average after: {Machine.LoadAverage()}");
    }

    private static double Time(Func<Dual> run, int repeats)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < repeats; i++)
        {
            using var scope = NewDisposeScope();
            run();
        }
        return watch.Elapsed.TotalMilliseconds / repeats;
    }
}
